import { describe, expect, it } from 'vitest'
import { highlightHtml } from './highlights.ts'

describe('comment highlights in the saved text', () => {
  it('marks each quote once per text node and can be redone without nesting', () => {
    const root = document.createElement('div')
    root.innerHTML = '<p>Young people leave; <strong>young people leave</strong> too.</p>'
    highlightHtml(root, ['people leave'])
    highlightHtml(root, ['people leave'])
    const marks = [...root.querySelectorAll('mark.anchor-highlight')]
    expect(marks.map((m) => m.textContent)).toEqual(['people leave', 'people leave'])
    expect(root.textContent).toBe('Young people leave; young people leave too.')
  })

  it('removes the marks when the thread is resolved', () => {
    const root = document.createElement('div')
    root.innerHTML = '<p>Figures from 2024</p>'
    highlightHtml(root, ['2024'])
    highlightHtml(root, [])
    expect(root.querySelector('mark')).toBeNull()
    expect(root.innerHTML).toBe('<p>Figures from 2024</p>')
  })
})
