/**
 * Reads lesions off a phantom image from its pixels alone: an exact-truth judge for generated phantoms
 * (does the image show what its caption asked for?) that needs no learned model. Lesions can only sit at
 * the four set sites, so at each site it compares the mean of the small-lesion core, and of the ring a
 * large lesion adds, with the tissue level (the median of all non-background pixels: lesions cover a
 * few percent of the ellipse, so they barely move it). A deviation beyond half the set contrast is a
 * lesion; texture stays within a sixth of the contrast (0.06 of 0.4), so ground-truth images score exactly.
 */
import { DlensError } from '../errors';
import {
  PHANTOM_BACKGROUND,
  PHANTOM_CONTRAST,
  PHANTOM_SITES,
  type PhantomLesion,
  parsePhantomCaption,
  phantomLabel,
  phantomLesionRadius,
  phantomSiteCentre,
} from './phantoms';

export interface PhantomScore {
  /** lesions the pixels show, in site order */
  detected: PhantomLesion[];
  /** the class the pixels show (0 no lesion, 1 bright, 2 dark; a mix of polarities counts as its first lesion's) */
  label: number;
  /** when a caption was given: do the pixels show exactly its lesions? */
  matches?: boolean;
  /** tissue level and per-site (core, ring) deviations from it, for display */
  stats: { tissue: number; sites: { core: number; ring: number }[] };
}

export function scorePhantom(image: Float32Array, imageSize: number, caption?: string): PhantomScore {
  const want = caption === undefined ? undefined : parsePhantomCaption(caption);
  const S = imageSize;
  if (image.length !== S * S) {
    throw new DlensError('shape-mismatch', `Expected a ${S}x${S} greyscale phantom (${S * S} values), got ${image.length}.`, 'pass one single-channel image of the dataset\'s imageSize.');
  }
  const foreground: number[] = [];
  // Halfway between the background and the darkest a dark lesion can be (-0.61): -0.925 keeps every tissue pixel.
  for (const v of image) if (v > PHANTOM_BACKGROUND + 0.075) foreground.push(v);
  const tissue = median(foreground);
  const half = PHANTOM_CONTRAST / 2;
  const detected: PhantomLesion[] = [];
  const sites = PHANTOM_SITES.map((site) => {
    const c = phantomSiteCentre(site, S);
    const small = phantomLesionRadius('small', S);
    const large = phantomLesionRadius('large', S);
    let [coreSum, coreN, ringSum, ringN] = [0, 0, 0, 0];
    for (let y = Math.floor(c.y - large); y <= Math.ceil(c.y + large); y++) {
      for (let x = Math.floor(c.x - large); x <= Math.ceil(c.x + large); x++) {
        const d2 = (x - c.x) ** 2 + (y - c.y) ** 2;
        if (d2 <= small * small) [coreSum, coreN] = [coreSum + image[y * S + x], coreN + 1];
        else if (d2 <= large * large) [ringSum, ringN] = [ringSum + image[y * S + x], ringN + 1];
      }
    }
    const core = coreN ? coreSum / coreN - tissue : 0;
    const ring = ringN ? ringSum / ringN - tissue : 0;
    if (Math.abs(core) > half) {
      const polarity = core > 0 ? 'bright' : 'dark';
      // A large lesion also lifts (or sinks) the ring, by the same sign.
      const size = Math.sign(ring) === Math.sign(core) && Math.abs(ring) > half ? 'large' : 'small';
      detected.push({ site, polarity, size });
    }
    return { core, ring };
  });
  const score: PhantomScore = { detected, label: phantomLabel(detected), stats: { tissue, sites } };
  if (want) score.matches = sameLesions(want, detected);
  return score;
}

function sameLesions(a: readonly PhantomLesion[], b: readonly PhantomLesion[]): boolean {
  return a.length === b.length && a.every((l, i) => l.site === b[i].site && l.size === b[i].size && l.polarity === b[i].polarity);
}

function median(xs: number[]): number {
  if (xs.length === 0) return PHANTOM_BACKGROUND;
  const s = [...xs].sort((p, q) => p - q);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}
