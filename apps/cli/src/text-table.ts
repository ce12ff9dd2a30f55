/** How a column lines up its cells: text to the left, figures to the right. */
export type ColumnAlign = 'left' | 'right';

export interface TableColumn {
  header: string;
  align?: ColumnAlign;
}

/**
 * A plain-text table for terminals and logs: a header, a rule, one line per row, columns as
 * wide as their widest cell, separated by two spaces. No colours, no box drawing, so that it
 * reads the same in a CI log and greps well.
 */
export function renderTable(
  columns: readonly TableColumn[],
  rows: readonly (readonly string[])[],
  indent = '',
): string {
  const widths = columns.map((c, i) =>
    Math.max(c.header.length, ...rows.map((r) => (r[i] ?? '').length)),
  );
  const line = (cells: readonly string[]) =>
    indent +
    columns
      .map((c, i) => {
        const cell = cells[i] ?? '';
        return c.align === 'right' ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!);
      })
      .join('  ')
      .trimEnd();
  return [
    line(columns.map((c) => c.header)),
    indent + widths.map((w) => '-'.repeat(w)).join('  '),
    ...rows.map(line),
  ].join('\n');
}

/** A two-column table of labelled figures (`events sent   5000`). */
export function renderFacts(
  facts: ReadonlyArray<readonly [label: string, value: string]>,
  indent = '',
): string {
  const width = Math.max(...facts.map(([label]) => label.length));
  return facts.map(([label, value]) => `${indent}${label.padEnd(width)}  ${value}`).join('\n');
}
