import { exportUrl } from '../api/index.ts'

/** Downloads of the plan: Word, a print view for PDF, Markdown, and the action table as CSV. */
export function ExportLinks({ planId }: { planId: string }) {
  return (
    <section className="card" aria-labelledby="export-title">
      <h2 id="export-title">Export the plan</h2>
      <ul className="export-list">
        <li>
          <a className="button button-secondary" href={exportUrl.document(planId, 'docx')} download>
            Word (DOCX)
          </a>
        </li>
        <li>
          <a className="button button-secondary" href={exportUrl.document(planId, 'html')} target="_blank" rel="noopener">
            Print view (PDF)<span className="visually-hidden"> (opens in a new tab)</span>
          </a>
        </li>
        <li>
          <a className="button button-secondary" href={exportUrl.document(planId, 'md')} download>
            Markdown
          </a>
        </li>
        <li>
          <a className="button button-secondary" href={exportUrl.actionsCsv(planId)} download>
            Actions (CSV)
          </a>
        </li>
      </ul>
    </section>
  )
}
