/**
 * Zoom and pan of the diagram through the SVG's viewBox: the wheel scrolls (Ctrl/Cmd + wheel zooms
 * around the pointer), dragging the background pans, buttons and keys zoom in, out and fit. The
 * first view is the whole diagram when it fits at a readable size; else its full width from the top
 * when that is readable (an overview in a 1200 px panel: 100%, scroll down for more); else a
 * readable zoom centred on the pod the diagram is about.
 */

/** The smallest zoom at which 12 px text is still 11 px on screen. */
export const READABLE_SCALE = 11 / 12;
const MIN_SCALE = 0.2;
const MAX_SCALE = 3;

export interface ViewState {
  scale: number;
  /** Top-left corner of the view, in diagram units. */
  x: number;
  y: number;
}

export class Viewport {
  private state: ViewState = { scale: 1, x: 0, y: 0 };
  private content = { width: 1, height: 1 };
  private svg: SVGSVGElement | undefined;
  private drag: { pointer: number; startX: number; startY: number; from: ViewState } | undefined;
  onChange: (state: ViewState) => void = () => undefined;

  constructor(private readonly container: HTMLElement) {
    container.addEventListener('wheel', (e) => this.onWheel(e), { passive: false });
    container.addEventListener('pointerdown', (e) => this.onPointerDown(e));
    container.addEventListener('pointermove', (e) => this.onPointerMove(e));
    container.addEventListener('pointerup', (e) => this.endDrag(e));
    container.addEventListener('pointercancel', (e) => this.endDrag(e));
    new ResizeObserver(() => this.apply()).observe(container);
  }

  get view(): ViewState {
    return { ...this.state };
  }

  attach(svg: SVGSVGElement, width: number, height: number): void {
    this.svg = svg;
    this.content = { width, height };
    svg.removeAttribute('width');
    svg.removeAttribute('height');
    svg.setAttribute('preserveAspectRatio', 'xMinYMin meet');
    this.apply();
  }

  private size(): { width: number; height: number } {
    return { width: Math.max(1, this.container.clientWidth), height: Math.max(1, this.container.clientHeight) };
  }

  fitScale(): number {
    const { width, height } = this.size();
    return Math.min(width / this.content.width, height / this.content.height);
  }

  /** The whole diagram, centred. */
  fit(): void {
    const scale = clamp(this.fitScale(), MIN_SCALE, MAX_SCALE);
    this.setCentered(scale, this.content.width / 2, this.content.height / 2);
  }

  /** The first view: all of it if readable, else readable and centred on `focus` (diagram units). */
  initial(focus?: { x: number; y: number }): void {
    const fit = this.fitScale();
    const { width, height } = this.size();
    if (fit >= READABLE_SCALE) {
      // all of it: centred across, from the top
      const scale = Math.min(1, fit);
      this.state = { scale, x: this.content.width / 2 - width / scale / 2, y: -8 / scale };
      this.apply();
      return;
    }
    const widthFit = width / this.content.width;
    if (widthFit >= READABLE_SCALE) {
      // as wide as the panel (an overview): from the top, where the pod is; the wheel scrolls down
      const scale = Math.min(1, widthFit);
      this.state = { scale, x: this.content.width / 2 - width / scale / 2, y: -8 / scale };
      this.apply();
      return;
    }
    const scale = READABLE_SCALE;
    const viewW = width / scale;
    const viewH = height / scale;
    const fx = focus?.x ?? 0;
    const fy = focus?.y ?? this.content.height / 2;
    // keep the left edge (the pod's lane) in view; centre the focus vertically
    this.state = { scale, x: clamp(fx - viewW * 0.15, 0, Math.max(0, this.content.width - viewW)), y: clamp(fy - viewH / 2, 0, Math.max(0, this.content.height - viewH)) };
    this.apply();
  }

  restore(state: ViewState): void {
    this.state = { ...state };
    this.apply();
  }

  zoomBy(factor: number, at?: { clientX: number; clientY: number }): void {
    const rect = this.container.getBoundingClientRect();
    const px = at ? at.clientX - rect.left : rect.width / 2;
    const py = at ? at.clientY - rect.top : rect.height / 2;
    const old = this.state;
    const scale = clamp(old.scale * factor, MIN_SCALE, MAX_SCALE);
    // the diagram point under the pointer stays under it
    const dx = old.x + px / old.scale;
    const dy = old.y + py / old.scale;
    this.state = { scale, x: dx - px / scale, y: dy - py / scale };
    this.apply();
  }

  /** Pans so that the rectangle (diagram units) is inside the view, with a margin. */
  reveal(r: { x: number; y: number; width: number; height: number }): void {
    const { width, height } = this.size();
    const viewW = width / this.state.scale;
    const viewH = height / this.state.scale;
    const margin = 24;
    let { x, y } = this.state;
    if (r.x - margin < x) x = r.x - margin;
    else if (r.x + r.width + margin > x + viewW) x = r.x + r.width + margin - viewW;
    if (r.y - margin < y) y = r.y - margin;
    else if (r.y + r.height + margin > y + viewH) y = r.y + r.height + margin - viewH;
    if (x !== this.state.x || y !== this.state.y) {
      this.state = { ...this.state, x, y };
      this.apply();
    }
  }

  private setCentered(scale: number, cx: number, cy: number): void {
    const { width, height } = this.size();
    this.state = { scale, x: cx - width / scale / 2, y: cy - height / scale / 2 };
    this.apply();
  }

  private apply(): void {
    if (!this.svg) return;
    const { width, height } = this.size();
    const s = this.state.scale;
    this.svg.setAttribute('viewBox', `${round(this.state.x)} ${round(this.state.y)} ${round(width / s)} ${round(height / s)}`);
    this.onChange(this.view);
  }

  /** The wheel scrolls (Shift: sideways), as in an editor; with Ctrl or Cmd (and a pinch) it zooms around the pointer. */
  private onWheel(e: WheelEvent): void {
    e.preventDefault();
    const unit = e.deltaMode === 1 ? 16 : e.deltaMode === 2 ? this.size().height : 1;
    if (e.ctrlKey || e.metaKey) {
      this.zoomBy(Math.exp(-e.deltaY * unit * 0.0015), e);
      return;
    }
    const dx = (e.shiftKey && e.deltaX === 0 ? e.deltaY : e.deltaX) * unit;
    const dy = (e.shiftKey ? 0 : e.deltaY) * unit;
    this.scrollBy(dx, dy);
  }

  /** Pans by screen pixels, keeping some of the diagram in view. */
  scrollBy(dx: number, dy: number): void {
    const { width, height } = this.size();
    const s = this.state.scale;
    const viewW = width / s;
    const viewH = height / s;
    const margin = 40;
    // along an axis where all of the diagram is in view there is nothing to scroll to
    const along = (from: number, delta: number, content: number, view: number): number => (content + 2 * margin <= view ? from : clamp(from + delta / s, -margin, content - view + margin));
    const x = along(this.state.x, dx, this.content.width, viewW);
    const y = along(this.state.y, dy, this.content.height, viewH);
    this.state = { ...this.state, x, y };
    this.apply();
  }

  private onPointerDown(e: PointerEvent): void {
    if (e.button !== 0 || (e.target as Element | null)?.closest?.('.node')) return;
    this.drag = { pointer: e.pointerId, startX: e.clientX, startY: e.clientY, from: this.view };
    this.container.setPointerCapture(e.pointerId);
    this.container.classList.add('panning');
  }

  private onPointerMove(e: PointerEvent): void {
    if (!this.drag || e.pointerId !== this.drag.pointer) return;
    const s = this.drag.from.scale;
    this.state = { scale: s, x: this.drag.from.x - (e.clientX - this.drag.startX) / s, y: this.drag.from.y - (e.clientY - this.drag.startY) / s };
    this.apply();
  }

  private endDrag(e: PointerEvent): void {
    if (!this.drag || e.pointerId !== this.drag.pointer) return;
    this.drag = undefined;
    this.container.classList.remove('panning');
  }
}

function clamp(n: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, n));
}

function round(n: number): string {
  return String(Math.round(n * 100) / 100);
}
