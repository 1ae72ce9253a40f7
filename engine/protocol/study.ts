/**
 * The Augmentation Study panel's messages: the report (tables and chart data) to the panel, and the
 * panel's rendered charts back when the user exports the report as Markdown.
 */
import { type Fields, ProtocolError, int, num, numberList, optional, record, str, stringList } from './check';

export const STUDY_ARMS = ['real', 'real+synthetic', 'synthetic'] as const;

export interface StudyArmView {
  name: (typeof STUDY_ARMS)[number];
  accuracy: number[];
  mean: number;
  std: number;
  trainSize: number;
}

/** What the panel shows of a study: every number in the Markdown report, and the histogram's bins. */
export interface StudyView {
  /** "synthetic — not for diagnosis": shown on the panel and every export */
  label: string;
  dataset: string;
  quick: boolean;
  classNames: string[];
  arms: StudyArmView[];
  frechet: number;
  frechetRealVsReal: number;
  adherence: { rate: number; by: string };
  nearest: { min: number; threshold: number; nearCopies: number; count: number; edges: number[]; synthetic: number[]; realToReal: number[] };
  /** phantoms: lesions inpainted into real images, and the share that show the lesion asked for */
  inpainting?: { n: number; rate: number };
  /** the synthetic images were filtered (dlens study --filter): by whom, how many were generated and kept */
  filter?: { method: string; requested: number; drawn: number; kept: number; rounds: number };
  seconds: number;
}

export interface StudyMessage {
  type: 'study';
  study: StudyView;
  /** the study's PNGs as webview URIs */
  pictures: { src: string; caption: string }[];
}

/** Export pressed: the two charts as PNG data URLs, for the extension to write next to report.md. */
export interface ExportStudyMessage {
  type: 'exportStudy';
  charts: { accuracy: string; nearest: string };
}

const unit = (o: Fields, key: string, at: string) => num(o, key, at, 0, 1);

export function parseStudy(o: Fields, at: string): StudyMessage {
  const s = record(o.study, `${at}, study`);
  const w = `${at}, study`;
  if (!Array.isArray(s.arms) || s.arms.length !== STUDY_ARMS.length) throw new ProtocolError(w, `field 'arms' must list the ${STUDY_ARMS.length} arms ${STUDY_ARMS.join(', ')}.`);
  const arms = s.arms.map((a, i) => {
    const r = record(a, `${w}, arms[${i}]`);
    const where = `${w}, arms[${i}]`;
    if (r.name !== STUDY_ARMS[i]) throw new ProtocolError(where, `arm ${i} is ${JSON.stringify(r.name)}; expected '${STUDY_ARMS[i]}' (arms come in the order ${STUDY_ARMS.join(', ')}).`);
    return { name: STUDY_ARMS[i], accuracy: numberList(r, 'accuracy', where, { min: 0, max: 1, minLength: 1, maxLength: 20 }), mean: unit(r, 'mean', where), std: num(r, 'std', where, 0, 1), trainSize: int(r, 'trainSize', where, 0) };
  });
  const n = record(s.nearest, `${w}, nearest`);
  const nw = `${w}, nearest`;
  const edges = numberList(n, 'edges', nw, { min: 0, minLength: 2, maxLength: 101 });
  const bins = (key: string) => {
    const counts = numberList(n, key, nw, { min: 0, integer: true, maxLength: 100 });
    if (counts.length !== edges.length - 1) throw new ProtocolError(nw, `field '${key}' has ${counts.length} bins for ${edges.length} edges; expected ${edges.length - 1}.`);
    return counts;
  };
  const ad = record(s.adherence, `${w}, adherence`);
  const study: StudyView = {
    label: str(s, 'label', w, { nonEmpty: true, max: 100 }),
    dataset: str(s, 'dataset', w, { nonEmpty: true, max: 100 }),
    quick: s.quick === true,
    classNames: stringList(s, 'classNames', w, 50),
    arms,
    frechet: num(s, 'frechet', w, 0),
    frechetRealVsReal: num(s, 'frechetRealVsReal', w, 0),
    adherence: { rate: unit(ad, 'rate', `${w}, adherence`), by: str(ad, 'by', `${w}, adherence`, { max: 100 }) },
    nearest: { min: num(n, 'min', nw, 0), threshold: num(n, 'threshold', nw, 0), nearCopies: int(n, 'nearCopies', nw, 0), count: int(n, 'count', nw, 0), edges, synthetic: bins('synthetic'), realToReal: bins('realToReal') },
    inpainting: optional(s, 'inpainting', (f, k) => {
      const r = record(f[k], `${w}, inpainting`);
      return { n: int(r, 'n', `${w}, inpainting`, 0), rate: unit(r, 'rate', `${w}, inpainting`) };
    }),
    filter: optional(s, 'filter', (f, k) => {
      const r = record(f[k], `${w}, filter`);
      const fw = `${w}, filter`;
      return { method: str(r, 'method', fw, { nonEmpty: true, max: 40 }), requested: int(r, 'requested', fw, 1), drawn: int(r, 'drawn', fw, 1), kept: int(r, 'kept', fw, 0), rounds: int(r, 'rounds', fw, 0) };
    }),
    seconds: num(s, 'seconds', w, 0),
  };
  if (!Array.isArray(o.pictures) || o.pictures.length > 8) throw new ProtocolError(at, `field 'pictures' must be an array of at most 8 pictures.`);
  const pictures = o.pictures.map((p, i) => {
    const r = record(p, `${at}, pictures[${i}]`);
    const src = str(r, 'src', `${at}, pictures[${i}]`, { nonEmpty: true, max: 4096 });
    if (!/^(https?|vscode-[a-z-]+):\/\//.test(src)) throw new ProtocolError(`${at}, pictures[${i}]`, `field 'src' is not a webview resource URI; build it with webview.asWebviewUri.`);
    return { src, caption: str(r, 'caption', `${at}, pictures[${i}]`, { max: 500 }) };
  });
  return { type: 'study', study, pictures };
}

/** A chart PNG is at most a few hundred kB; 8 MB bounds what a broken panel can make the host decode. */
const MAX_DATA_URL = 8_000_000;

export function parseExportStudy(o: Fields, at: string): ExportStudyMessage {
  const c = record(o.charts, `${at}, charts`);
  const png = (key: string) => {
    const v = str(c, key, `${at}, charts`, { nonEmpty: true, max: MAX_DATA_URL });
    if (!v.startsWith('data:image/png;base64,')) throw new ProtocolError(`${at}, charts`, `field '${key}' is not a PNG data URL (data:image/png;base64,...).`);
    return v;
  };
  return { type: 'exportStudy', charts: { accuracy: png('accuracy'), nearest: png('nearest') } };
}
