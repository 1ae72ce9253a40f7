/**
 * The sampling trajectory player. While a run samples it follows the live frames; the user (or a
 * breakpoint) pauses it, and from then on it is a player over the record: step, scrub, jump, play.
 * Steps not on screen are fetched from the extension (Seeker); every recorded step's statistics arrive
 * separately (StatsStore), so breakpoints are tested on every step, including those whose live frame was
 * dropped, and the first step that meets one is the step the player stops at.
 */
import type { PanelFrameMessage, SeekErrorMessage, StepFrameMessage, TrajectoryStatsMessage } from '../../engine/protocol';
import { type BreakpointHit, type BreakpointSettings, checkStep } from '../../engine/trajectory/breakpoints';
import type { StateStore } from '../state';
import { StatsChart } from './chart';
import { type Controls, buildControls } from './controls';
import { buildGrids, drawGrids } from './grids';
import { keyAction, stepOfTimestep } from './keys';
import { type TrajectoryState, readTrajectoryState } from './saved';
import { Seeker, type StepFrame } from './seeker';
import { StatsStore } from './statsStore';

/** Playback speed: steps per second (each step still waits for its frame to be drawn). */
const PLAY_STEPS_PER_SECOND = 30;

type Mode = 'follow' | 'paused' | 'playing';

export class Player {
  private readonly store = new StatsStore();
  private readonly seeker: Seeker;
  private readonly chart: StatsChart;
  private readonly controls: Controls;
  private readonly gridsHost: HTMLElement;
  private saved: TrajectoryState;
  private mode: Mode;
  /** the step asked for (shown once its frame is here) */
  private target = -1;
  private shown: StepFrame | undefined;
  /** last step whose statistics the breakpoints have tested while following or playing */
  private checked = -1;
  private hit: BreakpointHit | undefined;
  private live = false;
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(private readonly section: HTMLElement, private readonly state: StateStore, post: (msg: unknown) => void) {
    this.saved = readTrajectoryState(state.get().trajectory);
    this.mode = this.saved.paused ? 'paused' : 'follow';
    this.target = this.saved.step;
    this.checked = this.saved.checked;
    this.seeker = new Seeker(post, (f) => this.draw(f), { limit: () => this.store.recorded });
    this.controls = buildControls(section.querySelector<HTMLElement>('.controls')!, {
      first: () => this.goto(0),
      back: () => this.goto(this.target - 1),
      toggle: () => (this.mode === 'paused' ? this.play() : this.pause()),
      forward: () => this.goto(this.target + 1),
      last: () => this.goto(this.store.recorded - 1),
      scrub: (step) => this.goto(step),
      jumpToTimestep: (t) => this.goto(stepOfTimestep(this.store.t, this.store.recorded, t)),
      breakpointsChanged: (b) => this.save({ breakpoints: sane(b, this.saved.breakpoints) }),
      sigmaDataChanged: (s) => {
        if (!(s > 0 && s <= 10)) return;
        this.save({ sigmaData: s, sigmaDataSet: true });
        this.controls.sigmaSource.textContent = '(set here)';
        this.chart.setSigmaData(s);
      },
    }, this.saved.breakpoints, this.saved.sigmaData);
    if (this.saved.sigmaDataSet) this.controls.sigmaSource.textContent = '(set here)';
    this.gridsHost = section.querySelector<HTMLElement>('.grids')!;
    buildGrids(this.gridsHost);
    this.chart = new StatsChart(section.querySelector<HTMLElement>('.statsChart')!, this.store, this.saved.sigmaData);
    document.addEventListener('keydown', (e) => this.key(e));
    this.showMode();
  }

  /** The job's state from the status line: a live run's record still grows. */
  setLive(live: boolean): void {
    this.live = live;
    this.showMode();
  }

  /** A live frame (latest wins). Drawn when following; cached in any case. */
  liveFrame(msg: PanelFrameMessage): void {
    const { type: _t, seq: _s, ...frame } = msg;
    this.section.hidden = false;
    this.seeker.remember(frame);
    if (this.mode === 'follow' && !this.hit) {
      this.target = frame.step;
      this.draw(frame);
    }
  }

  stats(msg: TrajectoryStatsMessage): void {
    this.section.hidden = false;
    if (msg.sigmaData !== undefined) this.recordedSigmaData(msg.sigmaData);
    const first = this.store.add(msg);
    // A chunk from step 0 is the whole record again (a reload): keep what was tested, within the record.
    if (first === 0) this.checked = Math.min(this.checked, this.store.recorded - 1);
    this.controls.slider.max = String(Math.max(0, this.store.recorded - 1));
    this.chart.refresh();
    if (this.mode === 'follow') {
      const h = this.scan(Math.max(first, this.checked + 1), this.store.recorded - 1);
      if (h) return this.stopAt(h);
      // A record with no live frame coming (reopened, or a reload after the run ended): show its last step.
      if (!this.shown && !this.seeker.busy) {
        this.target = this.store.recorded - 1;
        this.seeker.want(this.target);
      }
    } else if (!this.shown && this.target >= 0 && this.target < this.store.recorded && !this.seeker.busy) {
      // Restored paused at a step: fetch it back.
      this.seeker.want(this.target);
    }
  }

  /** The record knows the data's σ_data: it replaces the assumed value, never one the user typed. */
  private recordedSigmaData(sigmaData: number): void {
    if (this.saved.sigmaDataSet) return;
    this.controls.sigmaSource.textContent = '(recorded)';
    this.controls.sigmaSource.title = 'σ_data of the training images, measured when the run was created (for the forward process: of the image itself)';
    if (this.saved.sigmaData === sigmaData) return;
    this.save({ sigmaData });
    this.controls.sigmaData.value = String(Number(sigmaData.toPrecision(4)));
    this.chart.setSigmaData(sigmaData);
  }

  stepFrame(msg: StepFrameMessage): void {
    this.seeker.answered(msg);
  }

  seekError(msg: SeekErrorMessage): void {
    this.message(`Step ${msg.step} could not be read: ${msg.message}`);
    this.seeker.failed(msg.request);
  }

  private goto(step: number, mode: Mode = 'paused'): void {
    if (this.store.recorded === 0 && !this.shown) return;
    const last = Math.max(this.store.recorded, (this.shown?.step ?? -1) + 1) - 1;
    const s = Math.min(Math.max(step, 0), last);
    if (mode === 'paused') this.pause();
    this.target = s;
    this.controls.slider.value = String(s);
    this.seeker.want(s);
  }

  private play(): void {
    this.hit = undefined;
    this.message('');
    this.checked = this.target;
    if (this.target >= this.store.recorded - 1 && this.live) {
      this.mode = 'follow';
      this.showMode();
      return;
    }
    this.mode = 'playing';
    this.showMode();
    this.tick();
  }

  private pause(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.mode = 'paused';
    this.showMode();
  }

  private tick(): void {
    this.timer = undefined;
    if (this.mode !== 'playing') return;
    // Wait for the step on screen to arrive before moving on: playback never outruns drawing.
    if (this.seeker.busy || this.shown?.step !== this.target) {
      this.timer = setTimeout(() => this.tick(), 5);
      return;
    }
    const next = this.target + 1;
    if (next >= this.store.recorded) {
      if (this.live) {
        this.mode = 'follow';
        this.showMode();
      } else this.pause();
      return;
    }
    const h = this.scan(next, next);
    if (h) return this.stopAt(h);
    this.goto(next, 'playing');
    this.timer = setTimeout(() => this.tick(), 1000 / PLAY_STEPS_PER_SECOND);
  }

  /** Tests steps from..to in order; the first hit, if any. */
  private scan(from: number, to: number): BreakpointHit | undefined {
    let hit: BreakpointHit | undefined;
    for (let s = from; s <= to && !hit; s++) {
      this.checked = s;
      hit = checkStep(this.store.at(s), { step: s, t: this.store.t[s], alphaBar: this.store.alphaBar[s], sigmaData: this.saved.sigmaData }, this.saved.breakpoints);
    }
    this.save({ checked: this.checked });
    return hit;
  }

  private stopAt(h: BreakpointHit): void {
    this.hit = h;
    this.goto(h.step);
    const el = this.section.querySelector<HTMLElement>('#breakpointHit')!;
    el.textContent = `Breakpoint: ${h.text}`;
    el.dataset.condition = h.condition;
    el.dataset.step = String(h.step);
    el.dataset.image = String(h.image);
    el.hidden = false;
  }

  private draw(f: StepFrame): void {
    this.shown = f;
    const hitImage = this.hit?.step === f.step ? this.hit.image : undefined;
    drawGrids(this.gridsHost, f, hitImage);
    this.section.querySelector('#frameInfo')!.textContent = `step ${f.step + 1} of ${f.steps}: t = ${f.t}${f.tPrev >= 0 ? ` → ${f.tPrev}` : ' (last)'}`;
    this.section.dataset.step = String(f.step);
    if (this.mode !== 'paused' || document.activeElement !== this.controls.slider) this.controls.slider.value = String(f.step);
    this.chart.mark(f.step);
    this.save({ step: f.step });
  }

  private key(e: KeyboardEvent): void {
    // Text fields and the slider handle their own keys.
    const path = e.composedPath();
    if (path.some((n) => n instanceof HTMLElement && (n.tagName === 'VSCODE-TEXTFIELD' || n.tagName === 'INPUT'))) return;
    // A focused button or checkbox takes Space and Enter as a click.
    if ((e.key === ' ' || e.key === 'Enter') && path.some((n) => n instanceof HTMLElement && /^VSCODE-(BUTTON|CHECKBOX)$/.test(n.tagName))) return;
    if (this.section.hidden) return;
    const a = keyAction(e);
    if (!a) return;
    e.preventDefault();
    if (a.kind === 'step') this.goto(this.target + a.delta);
    else if (a.kind === 'first') this.goto(0);
    else if (a.kind === 'last') this.goto(this.store.recorded - 1);
    else if (a.kind === 'toggle') (this.mode === 'paused' ? this.play() : this.pause());
    else if (a.kind === 'continue') this.play();
    else if (a.kind === 'pause') this.pause();
    else this.controls.jump.focus();
  }

  private showMode(): void {
    this.controls.play.textContent = this.mode === 'paused' ? '▶ Play' : '⏸ Pause';
    this.section.dataset.mode = this.mode;
    const mode = this.section.querySelector('.mode')!;
    mode.textContent = this.mode === 'follow' ? (this.live ? 'following the live run' : 'at the newest step') : this.mode === 'playing' ? 'playing' : 'paused';
    this.save({ paused: this.mode === 'paused' });
  }

  private message(text: string): void {
    const el = this.section.querySelector<HTMLElement>('#breakpointHit')!;
    el.textContent = text;
    el.hidden = text === '';
    delete el.dataset.condition;
  }

  private save(patch: Partial<TrajectoryState>): void {
    this.saved = { ...this.saved, ...patch, step: patch.step ?? this.shown?.step ?? this.saved.step };
    this.state.update({ trajectory: this.saved });
  }
}

/** A field typed empty or out of range keeps its previous value. */
function sane(b: BreakpointSettings, previous: BreakpointSettings): BreakpointSettings {
  return {
    ...b,
    bound: Number.isFinite(b.bound) && b.bound > 0 ? b.bound : previous.bound,
    stdPercent: Number.isFinite(b.stdPercent) && b.stdPercent > 0 && b.stdPercent <= 1000 ? b.stdPercent : previous.stdPercent,
  };
}
