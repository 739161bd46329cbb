import { render, screen } from '@testing-library/react'
import userEvent from '@testing-library/user-event'
import { describe, expect, it } from 'vitest'
import type { Comment, MemberView } from '../api/types.ts'
import { SessionProvider } from '../auth/SessionProvider.tsx'
import { fakeApi, json } from '../test/fakeApi.ts'
import { leadCoordinator, NETWORK_ID, OBIDOS_ID } from '../test/fixtures.ts'
import { CommentsPanel } from './CommentsPanel.tsx'

const member = (user_id: string, name: string): MemberView => ({
  id: `m-${user_id}`,
  user_id,
  name,
  email: `${user_id}@example.org`,
  role: 'ulg_member',
  network_id: NETWORK_ID,
  city_id: OBIDOS_ID,
  joined_at: '2026-09-01T10:00:00Z',
})

const comment = (over: Partial<Comment>): Comment => ({
  id: 'c1',
  author_id: 'u1',
  author_name: 'Rui Carvalho',
  body: 'First thought',
  created_at: '2026-11-21T10:00:00Z',
  mentions: [],
  plan_id: 'p1',
  removed: false,
  target_id: 's1',
  target_type: 'section',
  ...over,
})

describe('the comments panel', () => {
  it('autocompletes an @mention with the keyboard and sends the person’s id', async () => {
    const sent: unknown[] = []
    fakeApi({
      'GET /me': () => json(leadCoordinator),
      'GET /sections/s1/comments': () => json([comment({ anchor: { quote: 'young people leave' } })]),
      [`GET /cities/${OBIDOS_ID}/members`]: () => json([member('u2', 'Inês Martins'), member('u3', 'Ana Ribeiro')]),
      'POST /sections/s1/comments': (init) => {
        sent.push(JSON.parse(String(init.body)))
        return json(comment({ id: 'c2' }), 201)
      },
    })
    const user = userEvent.setup()
    render(
      <SessionProvider>
        <CommentsPanel sectionId="s1" cityId={OBIDOS_ID} meId="u1" canComment selectedQuote="" onQuoteUsed={() => {}} />
      </SessionProvider>,
    )

    expect(await screen.findByText('young people leave')).toBeTruthy()
    const box = screen.getByRole('combobox', { name: 'New comment' })
    await user.type(box, 'Please check @Mar')
    expect(screen.getByRole('option', { name: 'Inês Martins' }).getAttribute('aria-selected')).toBe('true')
    await user.keyboard('{Enter}')
    expect((box as HTMLTextAreaElement).value).toBe('Please check @Inês Martins ')
    await user.click(screen.getByRole('button', { name: 'Comment' }))
    await screen.findByRole('button', { name: 'Resolve' })
    expect(sent).toEqual([{ body: 'Please check @Inês Martins ', mentions: ['u2'] }])
  })
})
