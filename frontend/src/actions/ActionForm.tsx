import { useId, useState, type ReactNode } from 'react'
import { Options } from '../components/Options.tsx'
import type { ActionInput, FundingLine, Indicator, Risk } from '../api/types.ts'
import {
  ACTION_STATUSES,
  FUNDING_SOURCES,
  FUNDING_STATUSES,
  newFundingLine,
  newIndicator,
  newRisk,
} from '../lib/actions.ts'

type Errors = Map<string, string>

/** One labelled input with its error (from the server's `errors[].field` path) announced with it. */
function Field({
  label,
  path,
  errors,
  children,
}: {
  label: string
  path: string
  errors: Errors
  children: (props: { id: string; 'aria-invalid': boolean; 'aria-describedby'?: string }) => ReactNode
}) {
  const id = useId()
  const message = errors.get(path)
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      {children({ id, 'aria-invalid': message !== undefined, ...(message ? { 'aria-describedby': `${id}-error` } : {}) })}
      {message && (
        <p className="field-error" id={`${id}-error`}>
          {message}
        </p>
      )}
    </div>
  )
}

/** A list of rows (funding lines, indicators, risks) with add and remove buttons. */
function Rows<T>({
  title,
  items,
  onChange,
  make,
  render,
  noun,
}: {
  title: string
  items: T[]
  onChange: (items: T[]) => void
  make: () => T
  render: (item: T, i: number, set: (item: T) => void) => ReactNode
  noun: string
}) {
  return (
    <fieldset className="rows">
      <legend>{title}</legend>
      {items.length === 0 && <p className="meta">None yet.</p>}
      {items.map((item, i) => (
        <div className="row-item" key={i}>
          {render(item, i, (next) => onChange(items.map((x, j) => (j === i ? next : x))))}
          <button type="button" className="button button-link" onClick={() => onChange(items.filter((_, j) => j !== i))}>
            Remove {noun} {i + 1}
          </button>
        </div>
      ))}
      <button type="button" className="button button-secondary" onClick={() => onChange([...items, make()])}>
        Add {noun}
      </button>
    </fieldset>
  )
}

/**
 * Create or edit an action. Paths of the inputs are the server's validation paths, so each
 * problem+json error lands next to its input.
 */
export function ActionForm({
  initial,
  errors,
  busy,
  submitLabel,
  onSubmit,
  onCancel,
}: {
  initial: ActionInput
  errors: Errors
  busy: boolean
  submitLabel: string
  onSubmit: (input: ActionInput) => void
  onCancel: () => void
}) {
  const [v, setV] = useState(initial)
  const set = <K extends keyof ActionInput>(k: K, value: ActionInput[K]) => setV((old) => ({ ...old, [k]: value }))
  const text = (k: 'code' | 'title' | 'objective' | 'action_type' | 'lead_organisation' | 'lead_person', label: string) => (
    <Field label={label} path={k} errors={errors}>
      {(p) => <input type="text" {...p} value={v[k]} onChange={(e) => set(k, e.target.value)} />}
    </Field>
  )

  return (
    <form
      className="action-form card"
      noValidate
      onSubmit={(e) => {
        e.preventDefault()
        onSubmit(v)
      }}
    >
      <div className="form-grid">
        {text('code', 'Code (e.g. A1.2)')}
        {text('title', 'Title')}
        <Field label="Status" path="status" errors={errors}>
          {(p) => (
            <select {...p} value={v.status} onChange={(e) => set('status', e.target.value as ActionInput['status'])}>
              <Options list={ACTION_STATUSES} />
            </select>
          )}
        </Field>
        {text('objective', 'Objective')}
        {text('action_type', 'Type of action')}
        {text('lead_organisation', 'Lead organisation')}
        {text('lead_person', 'Lead person')}
        <Field label="Partners (comma-separated)" path="partners" errors={errors}>
          {(p) => (
            <input type="text" {...p} value={v.partners.join(', ')} onChange={(e) => set('partners', e.target.value.split(','))} />
          )}
        </Field>
        <Field label="Start date" path="start_date" errors={errors}>
          {(p) => <input type="date" {...p} value={v.start_date ?? ''} onChange={(e) => set('start_date', e.target.value)} />}
        </Field>
        <Field label="End date" path="end_date" errors={errors}>
          {(p) => <input type="date" {...p} value={v.end_date ?? ''} onChange={(e) => set('end_date', e.target.value)} />}
        </Field>
        <Field label="Estimated cost (EUR)" path="estimated_cost_eur" errors={errors}>
          {(p) => (
            <input
              type="text"
              inputMode="decimal"
              {...p}
              value={v.estimated_cost_eur ?? ''}
              onChange={(e) => set('estimated_cost_eur', e.target.value)}
            />
          )}
        </Field>
      </div>
      <Field label="Description" path="description" errors={errors}>
        {(p) => <textarea rows={3} {...p} value={v.description} onChange={(e) => set('description', e.target.value)} />}
      </Field>

      <Rows<FundingLine>
        title="Funding"
        noun="funding line"
        items={v.funding}
        make={newFundingLine}
        onChange={(items) => set('funding', items)}
        render={(f, i, put) => (
          <div className="form-grid">
            <Field label={`Source of funding line ${i + 1}`} path={`funding[${i}].source`} errors={errors}>
              {(p) => (
                <select {...p} value={f.source} onChange={(e) => put({ ...f, source: e.target.value as FundingLine['source'] })}>
                  <Options list={FUNDING_SOURCES} />
                </select>
              )}
            </Field>
            <Field label={`Amount of funding line ${i + 1} (EUR)`} path={`funding[${i}].amount_eur`} errors={errors}>
              {(p) => (
                <input type="text" inputMode="decimal" {...p} value={f.amount_eur} onChange={(e) => put({ ...f, amount_eur: e.target.value })} />
              )}
            </Field>
            <Field label={`Status of funding line ${i + 1}`} path={`funding[${i}].status`} errors={errors}>
              {(p) => (
                <select {...p} value={f.status} onChange={(e) => put({ ...f, status: e.target.value as FundingLine['status'] })}>
                  <Options list={FUNDING_STATUSES} />
                </select>
              )}
            </Field>
          </div>
        )}
      />

      <Rows<Indicator>
        title="Indicators"
        noun="indicator"
        items={v.indicators}
        make={newIndicator}
        onChange={(items) => set('indicators', items)}
        render={(ind, i, put) => (
          <div className="form-grid">
            <Field label={`Indicator ${i + 1} name`} path={`indicators[${i}].name`} errors={errors}>
              {(p) => <input type="text" {...p} value={ind.name} onChange={(e) => put({ ...ind, name: e.target.value })} />}
            </Field>
            <Field label={`Indicator ${i + 1} kind`} path={`indicators[${i}].kind`} errors={errors}>
              {(p) => (
                <select {...p} value={ind.kind} onChange={(e) => put({ ...ind, kind: e.target.value as Indicator['kind'] })}>
                  <option value="output">Output</option>
                  <option value="result">Result</option>
                </select>
              )}
            </Field>
            <Field label={`Indicator ${i + 1} baseline`} path={`indicators[${i}].baseline`} errors={errors}>
              {(p) => <input type="text" {...p} value={ind.baseline} onChange={(e) => put({ ...ind, baseline: e.target.value })} />}
            </Field>
            <Field label={`Indicator ${i + 1} target`} path={`indicators[${i}].target`} errors={errors}>
              {(p) => <input type="text" {...p} value={ind.target} onChange={(e) => put({ ...ind, target: e.target.value })} />}
            </Field>
          </div>
        )}
      />

      <Rows<Risk>
        title="Risks"
        noun="risk"
        items={v.risks}
        make={newRisk}
        onChange={(items) => set('risks', items)}
        render={(r, i, put) => (
          <div className="form-grid">
            <Field label={`Risk ${i + 1} description`} path={`risks[${i}].description`} errors={errors}>
              {(p) => <input type="text" {...p} value={r.description} onChange={(e) => put({ ...r, description: e.target.value })} />}
            </Field>
            {(['likelihood', 'impact'] as const).map((k) => (
              <Field key={k} label={`Risk ${i + 1} ${k}`} path={`risks[${i}].${k}`} errors={errors}>
                {(p) => (
                  <select {...p} value={r[k]} onChange={(e) => put({ ...r, [k]: e.target.value as Risk['impact'] })}>
                    <option value="L">Low</option>
                    <option value="M">Medium</option>
                    <option value="H">High</option>
                  </select>
                )}
              </Field>
            ))}
            <Field label={`Risk ${i + 1} mitigation`} path={`risks[${i}].mitigation`} errors={errors}>
              {(p) => <input type="text" {...p} value={r.mitigation} onChange={(e) => put({ ...r, mitigation: e.target.value })} />}
            </Field>
          </div>
        )}
      />

      <div className="form-actions">
        <button type="submit" className="button button-primary" disabled={busy}>
          {busy ? 'Saving…' : submitLabel}
        </button>
        <button type="button" className="button button-secondary" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </form>
  )
}
