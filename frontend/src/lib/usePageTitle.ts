import { useEffect } from 'react'

/** Sets the document title as `<page> – IAP Studio`, so each page is named for screen readers. */
export function usePageTitle(title: string | undefined): void {
  useEffect(() => {
    document.title = title ? `${title} – IAP Studio` : 'IAP Studio'
  }, [title])
}
