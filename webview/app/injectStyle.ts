/**
 * Adds a stylesheet to a webview page under its strict CSP: the `<style>` element carries the nonce
 * the host gave the page's script (a style without it would be blocked).
 */
export function injectStyle(css: string): void {
  const nonce = (document.currentScript as HTMLScriptElement | null)?.nonce || document.querySelector<HTMLScriptElement>('script[nonce]')?.nonce || '';
  const style = document.createElement('style');
  if (nonce) style.nonce = nonce;
  style.textContent = css;
  document.head.appendChild(style);
}
