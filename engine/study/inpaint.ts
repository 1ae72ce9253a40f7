/**
 * Lesions planted into real lesion-free phantoms by inpainting: the mask is the disc a large lesion at
 * one site covers (one pixel wider), the prompt asks for that lesion, and the pixel scorer judges the
 * result against the prompt. Everything outside the mask is the real image (the sampler keeps it), so
 * the score says whether the generator draws the lesion asked for where it was asked.
 */
import { type PhantomPolarity, PHANTOM_POLARITIES, PHANTOM_SITES, phantomCaption, phantomLesionRadius, phantomSiteCentre } from '../data/phantoms';
import { scorePhantom } from '../data/phantomScore';
import type { LoadedRun } from '../train/load';
import { sampleCaptions } from './generate';

export interface InpaintResult {
  /** lesion-free real images inpainted */
  n: number;
  /** share whose pixels then show exactly the lesion asked for, and nothing else */
  rate: number;
  images: Float32Array;
  captions: string[];
}

/** tissue: n lesion-free real phantoms, S x S flat. Image k gets a large lesion at site k mod 4, alternating bright and dark. */
export async function inpaintLesions(run: LoadedRun, tissue: Float32Array, n: number, S: number, o: { samplerSteps: number; guidance: number; seed: number }): Promise<InpaintResult> {
  const captions: string[] = [];
  const masks: Float32Array[] = PHANTOM_SITES.map((site) => {
    const c = phantomSiteCentre(site, S);
    const r = phantomLesionRadius('large', S) + 1;
    return Float32Array.from({ length: S * S }, (_, p) => (((p % S) - c.x) ** 2 + (Math.floor(p / S) - c.y) ** 2 <= r * r ? 1 : 0));
  });
  const out = new Float32Array(n * S * S);
  // One sampler call per site: the sampler takes one mask per batch.
  for (let s = 0; s < PHANTOM_SITES.length; s++) {
    const ks = Array.from({ length: n }, (_, k) => k).filter((k) => k % PHANTOM_SITES.length === s);
    if (ks.length === 0) continue;
    const siteCaptions = ks.map((k) => phantomCaption([{ size: 'large', polarity: PHANTOM_POLARITIES[Math.floor(k / PHANTOM_SITES.length) % 2] as PhantomPolarity, site: PHANTOM_SITES[s] }]));
    const images = new Float32Array(ks.length * S * S);
    ks.forEach((k, j) => images.set(tissue.subarray(k * S * S, (k + 1) * S * S), j * S * S));
    const filled = await sampleCaptions(run, siteCaptions, { ...o, seed: o.seed + s, inpaint: { images, mask: masks[s] } });
    ks.forEach((k, j) => {
      out.set(filled.subarray(j * S * S, (j + 1) * S * S), k * S * S);
      captions[k] = siteCaptions[j];
    });
  }
  let hits = 0;
  for (let k = 0; k < n; k++) hits += scorePhantom(out.subarray(k * S * S, (k + 1) * S * S), S, captions[k]).matches ? 1 : 0;
  return { n, rate: n ? hits / n : 0, images: out, captions };
}
