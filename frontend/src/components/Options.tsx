/** `<option>`s from `[value, label]` pairs (the lists of fixed choices in lib/). */
export function Options({ list }: { list: readonly (readonly [string, string])[] }) {
  return (
    <>
      {list.map(([value, label]) => (
        <option key={value} value={value}>
          {label}
        </option>
      ))}
    </>
  )
}
