import type { ApiError } from '../api/index.ts'

/** An action's failure, with the server's reasons (problem+json `detail` and `errors`). */
export function ErrorNotice({ error }: { error: ApiError }) {
  return (
    <div className="notice notice-error" role="alert">
      <p className="notice-title">{error.title}</p>
      {error.detail && <p>{error.detail}</p>}
      {error.errors.length > 0 && (
        <ul>
          {error.errors.map((f) => (
            <li key={`${f.field}:${f.message}`}>
              {f.field}: {f.message}
            </li>
          ))}
        </ul>
      )}
    </div>
  )
}

