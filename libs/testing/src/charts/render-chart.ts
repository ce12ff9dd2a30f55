import { writeFile } from 'node:fs/promises';
import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';

/**
 * Renders a vega-lite spec (data inline) to an SVG file, headless: vega's `none` renderer and
 * `toSVG()`, no canvas, no browser, nothing loaded from the network (the spec carries its data).
 */
export async function renderChart(spec: Record<string, unknown>, path: string): Promise<void> {
  const vgSpec = compile({ background: 'white', padding: 8, ...spec } as TopLevelSpec).spec;
  const loader = vega.loader();
  loader.load = () =>
    Promise.reject(new Error('charts carry their data inline; nothing is loaded'));
  const view = new vega.View(vega.parse(vgSpec), { renderer: 'none', loader });
  const svg = await view.toSVG();
  view.finalize();
  await writeFile(path, svg);
}
