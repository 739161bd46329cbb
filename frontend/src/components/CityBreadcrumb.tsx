import { Link } from 'react-router'

/** "My networks and cities / <city>" above a page of one city's plan. */
export function CityBreadcrumb({ cityId, cityName }: { cityId: string; cityName: string | undefined }) {
  return (
    <nav aria-label="Breadcrumb" className="breadcrumb">
      <Link to="/">My networks and cities</Link>
      <span aria-hidden="true"> / </span>
      <Link to={`/cities/${cityId}`}>{cityName ?? 'City'}</Link>
    </nav>
  )
}
