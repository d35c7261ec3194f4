/** The longest time the event loop did not get to a 5 ms timer, while running (benchmarks). */
export class BlockProbe {
  private last = performance.now();
  private timer: NodeJS.Timeout | undefined;
  max = 0;
  start(): this {
    this.last = performance.now();
    this.max = 0;
    this.timer = setInterval(() => {
      const now = performance.now();
      this.max = Math.max(this.max, now - this.last - 5);
      this.last = now;
    }, 5);
    return this;
  }
  stop(): number {
    clearInterval(this.timer);
    return Math.max(0, this.max);
  }
}
