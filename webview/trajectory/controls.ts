/**
 * The player's controls, built from @vscode-elements web components (VS Code's own look in every theme)
 * and a native range input for scrubbing (the elements have no slider). Only wiring to callbacks here;
 * what the controls do is the player's business.
 */
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-checkbox/index.js';
import '@vscode-elements/elements/dist/vscode-textfield/index.js';
import type { BreakpointSettings } from '../../engine/trajectory/breakpoints';
import { KEY_HELP } from './keys';

/** The parts of the web components the player reads (their classes are not imported, only registered). */
export interface TextField extends HTMLElement {
  value: string;
}
export interface CheckBox extends HTMLElement {
  checked: boolean;
}

export interface Controls {
  play: HTMLElement;
  slider: HTMLInputElement;
  jump: TextField;
  sigmaData: TextField;
  /** where σ_data came from: assumed, recorded with the run, or typed by the user */
  sigmaSource: HTMLElement;
  breakpoints: { nonFinite: CheckBox; boundOn: CheckBox; bound: TextField; stdOn: CheckBox; stdPercent: TextField };
}

export interface ControlActions {
  first(): void;
  back(): void;
  toggle(): void;
  forward(): void;
  last(): void;
  scrub(step: number): void;
  jumpToTimestep(t: number): void;
  breakpointsChanged(s: BreakpointSettings): void;
  sigmaDataChanged(sigmaData: number): void;
}

function el<T extends HTMLElement>(tag: string, props: Record<string, unknown> = {}, ...children: (Node | string)[]): T {
  const e = document.createElement(tag) as T;
  for (const [k, v] of Object.entries(props)) {
    if (k.startsWith('data-') || k.startsWith('aria-')) e.setAttribute(k, String(v));
    else (e as unknown as Record<string, unknown>)[k] = v;
  }
  e.append(...children);
  return e;
}

export function buildControls(host: HTMLElement, a: ControlActions, bp: BreakpointSettings, sigmaData: number): Controls {
  const button = (id: string, label: string, title: string, action: () => void) => {
    const b = el<HTMLElement>('vscode-button', { id, title, secondary: id !== 'play', 'aria-label': title }, label);
    b.addEventListener('click', action);
    return b;
  };
  const play = button('play', '▶ Play', 'Play / pause (Space); F5 continues to the next breakpoint', a.toggle);
  const slider = el<HTMLInputElement>('input', { id: 'scrub', type: 'range', min: '0', max: '0', step: '1', value: '0', 'aria-label': 'step' });
  slider.addEventListener('input', () => a.scrub(Number(slider.value)));
  const jump = el<TextField>('vscode-textfield', { id: 'jump', type: 'number', placeholder: 'jump to t', title: 'Jump to the step nearest this timestep (Enter; G focuses it)', 'aria-label': 'jump to timestep' });
  jump.addEventListener('keydown', (e) => {
    if ((e as KeyboardEvent).key === 'Enter' && jump.value.trim() !== '' && Number.isFinite(Number(jump.value))) a.jumpToTimestep(Number(jump.value));
  });
  const toolbar = el('div', { className: 'toolbar', role: 'toolbar', 'aria-label': 'trajectory player' },
    button('first', '|◀', 'First step (Home)', a.first), button('back', '◀', 'Previous step (← or Shift+F10)', a.back), play,
    button('forward', '▶', 'Next step (→ or F10)', a.forward), button('last', '▶|', 'Last step (End)', a.last), slider, jump);

  const check = (id: string, label: string, checked: boolean) => el<CheckBox>('vscode-checkbox', { id, checked, label });
  const number = (id: string, value: number, label: string) => el<TextField>('vscode-textfield', { id, value: String(value), className: 'num', 'aria-label': label, inputMode: 'decimal' });
  const breakpoints = {
    nonFinite: check('bpNonFinite', 'NaN/Inf', bp.nonFinite),
    boundOn: check('bpBoundOn', '|x| >', bp.boundOn),
    bound: number('bpBound', bp.bound, '|x| bound'),
    stdOn: check('bpStdOn', 'std(x_t) off theory by >', bp.stdOn),
    stdPercent: number('bpStdPercent', bp.stdPercent, 'std departure in percent'),
  };
  const sigma = number('sigmaData', sigmaData, 'sigma_data');
  const sigmaSource = el('span', { className: 'label', id: 'sigmaSource', title: 'This record does not say the data\'s σ_data (a run trained before it was recorded, or a user model): a typical value is assumed; type the right one.' }, '(assumed)');
  const settings = (): BreakpointSettings => ({
    nonFinite: breakpoints.nonFinite.checked, boundOn: breakpoints.boundOn.checked, bound: Number(breakpoints.bound.value),
    stdOn: breakpoints.stdOn.checked, stdPercent: Number(breakpoints.stdPercent.value),
  });
  for (const c of Object.values(breakpoints)) c.addEventListener('change', () => a.breakpointsChanged(settings()));
  sigma.addEventListener('change', () => a.sigmaDataChanged(Number(sigma.value)));
  const bpRow = el('div', { className: 'breakpoints', role: 'group', 'aria-label': 'breakpoints' },
    el('span', { className: 'label' }, 'Break on:'), breakpoints.nonFinite, breakpoints.boundOn, breakpoints.bound, breakpoints.stdOn, breakpoints.stdPercent, '%',
    el('span', { className: 'label sigma', title: 'Std of the training data in [-1, 1]: the theoretical std of x_t is sqrt(ᾱ_t·σ_data² + 1 − ᾱ_t)' }, 'σ_data'), sigma, sigmaSource);
  const help = el('details', { className: 'keys' }, el('summary', {}, 'Keys'), el('ul', {}, ...KEY_HELP.map((k) => el('li', {}, k))));
  host.replaceChildren(toolbar, bpRow, help);
  return { play, slider, jump, sigmaData: sigma, sigmaSource, breakpoints };
}
