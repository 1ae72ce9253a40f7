/**
 * The viridis colour map (van der Walt and Smith, matplotlib): perceptually uniform, readable in grey and
 * by most colour-blind readers, so equal steps of error look like equal steps of colour. Nine stops of
 * matplotlib's table (at 0, 1/8, ..., 1), linearly interpolated in sRGB. Pure: the CLI's PNGs and the
 * panel colour with this one table, so a value has the same colour in both.
 */
export const VIRIDIS_STOPS: readonly (readonly [number, number, number])[] = [
  [0x44, 0x01, 0x54], [0x47, 0x2d, 0x7b], [0x3b, 0x52, 0x8b], [0x2c, 0x72, 0x8e], [0x21, 0x91, 0x8c],
  [0x28, 0xae, 0x80], [0x5e, 0xc9, 0x62], [0xad, 0xdc, 0x30], [0xfd, 0xe7, 0x25],
];

/** RGB bytes of viridis at u in [0, 1] (clamped; NaN reads as 0). */
export function viridis(u: number): [number, number, number] {
  const x = Number.isNaN(u) ? 0 : Math.min(1, Math.max(0, u)) * (VIRIDIS_STOPS.length - 1);
  const i = Math.min(VIRIDIS_STOPS.length - 2, Math.floor(x));
  const f = x - i;
  const a = VIRIDIS_STOPS[i];
  const b = VIRIDIS_STOPS[i + 1];
  return [0, 1, 2].map((k) => Math.round(a[k] + (b[k] - a[k]) * f)) as [number, number, number];
}

/** A value range for the colour scale: [0, the largest finite value], never empty. */
export function errorRange(maps: Iterable<ArrayLike<number>>): { min: number; max: number } {
  let max = 0;
  for (const m of maps) for (let i = 0; i < m.length; i++) if (Number.isFinite(m[i]) && m[i] > max) max = m[i];
  return { min: 0, max: max > 0 ? max : 1 };
}
