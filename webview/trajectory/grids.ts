/**
 * The player's image grids for one step: x_t, predicted x0, predicted ε, and under guidance ε_cond,
 * ε_uncond and ε_cond − ε_uncond (the direction guidance pushes along; the guided ε̂ is
 * ε_uncond + s·(ε_cond − ε_uncond)). Each grid is one canvas per image, drawn from the float payloads.
 */
import type { TensorPayload } from '../../engine/protocol';
import { canvases, drawImage } from '../draw';
import type { StepFrame } from './seeker';

interface GridSpec {
  id: string;
  title: string;
  /** the value range mapped to black..white; undefined: symmetric around 0 at the batch's largest |value| */
  range?: [number, number];
  pick(f: StepFrame): TensorPayload | undefined;
}

/** ε ~ N(0, 1): ±3 std covers 99.7% of values. */
const EPS_RANGE: [number, number] = [-3, 3];

export const GRIDS: GridSpec[] = [
  { id: 'xGrid', title: 'x_t', range: [-1, 1], pick: (f) => f.x },
  { id: 'x0Grid', title: 'predicted x₀', range: [-1, 1], pick: (f) => f.x0 },
  { id: 'epsGrid', title: 'predicted ε̂ (±3)', range: EPS_RANGE, pick: (f) => f.eps },
  { id: 'epsCondGrid', title: 'ε_cond (±3)', range: EPS_RANGE, pick: (f) => f.epsCond },
  { id: 'epsUncondGrid', title: 'ε_uncond (±3)', range: EPS_RANGE, pick: (f) => f.epsUncond },
  { id: 'guidanceGrid', title: 'ε_cond − ε_uncond', pick: guidanceDifference },
];

/** Builds the grid blocks once, inside `host`. */
export function buildGrids(host: HTMLElement): void {
  host.replaceChildren(...GRIDS.map((g) => {
    const block = document.createElement('figure');
    block.className = 'gridBlock';
    block.dataset.grid = g.id;
    const caption = document.createElement('figcaption');
    caption.textContent = g.title;
    const grid = document.createElement('div');
    grid.id = g.id;
    grid.className = 'grid';
    block.append(caption, grid);
    return block;
  }));
}

/** Draws one step; grids the frame has no tensor for (no guidance) are hidden. `hit` outlines an image. */
export function drawGrids(host: HTMLElement, f: StepFrame, hit: number | undefined): void {
  const n = f.x.shape[0];
  const columns = Math.ceil(Math.sqrt(n));
  for (const g of GRIDS) {
    const block = host.querySelector<HTMLElement>(`[data-grid=${g.id}]`)!;
    const batch = g.pick(f);
    if (block.hidden !== !batch) block.hidden = !batch;
    if (!batch) continue;
    const [lo, hi] = g.range ?? symmetricRange(batch.data);
    if (!g.range) setText(block.querySelector('figcaption')!, `${g.title} (±${hi.toPrecision(2)})`);
    canvases(block.querySelector<HTMLElement>('.grid')!, n, columns).forEach((c, i) => {
      drawImage(c, batch, i, lo, hi);
      c.classList.toggle('hit', i === hit);
    });
  }
}

/** Reused from step to step: a new array per redraw is garbage the scrubbing panel would pile up. */
let scratch = new Float32Array(0);

function guidanceDifference(f: StepFrame): TensorPayload | undefined {
  if (!f.epsCond || !f.epsUncond) return undefined;
  const a = f.epsCond.data;
  const b = f.epsUncond.data;
  if (scratch.length !== a.length) scratch = new Float32Array(a.length);
  const d = scratch;
  for (let i = 0; i < a.length; i++) d[i] = a[i] - b[i];
  return { shape: f.epsCond.shape, data: d };
}

/** ±max|v| over the finite values, so the difference's sign and relative size show; ±1 if all are 0. */
function symmetricRange(data: Float32Array): [number, number] {
  let m = 0;
  for (const v of data) if (Number.isFinite(v) && Math.abs(v) > m) m = Math.abs(v);
  return m > 0 ? [-m, m] : [-1, 1];
}

/** Text changes cost a layout; most redraws keep the text. */
export function setText(el: Element, text: string): void {
  if (el.textContent !== text) el.textContent = text;
}
