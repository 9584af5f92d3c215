// Small DOM helpers. Text always goes in through textContent: file names come from other
// devices and must never be parsed as HTML.

export function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  const el = document.getElementById(id);
  if (!el) throw new Error(`status window: element #${id} is missing`);
  return el as T;
}

export function setText(id: string, text: string): void {
  const el = byId(id);
  if (el.textContent !== text) el.textContent = text;
}

export function el<K extends keyof HTMLElementTagNameMap>(tag: K, className: string, text?: string): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

/** Replaces a list's children only when the rendered content changed, so focus and selection survive. */
export function replaceRows(list: HTMLElement, key: string, rows: () => HTMLElement[]): void {
  if (list.dataset.key === key) return;
  list.dataset.key = key;
  list.replaceChildren(...rows());
}
