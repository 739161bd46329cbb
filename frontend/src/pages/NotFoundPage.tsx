import { Link } from 'react-router'
import { usePageTitle } from '../lib/usePageTitle.ts'

export function NotFoundPage() {
  usePageTitle('Page not found')
  return (
    <div className="page-head">
      <h1>Page not found</h1>
      <p className="lead">This page does not exist, or you do not have access to it.</p>
      <p>
        <Link to="/">Go to my networks and cities</Link>
      </p>
    </div>
  )
}
