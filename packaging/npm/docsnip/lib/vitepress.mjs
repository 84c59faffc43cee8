// `docsnip/vitepress`: keeps the reader's language choice across VitePress code groups,
// on the page and on every later page (remembered in localStorage), as Docusaurus's
// `groupId` and Starlight's `syncKey` do. VitePress itself switches one group at a time.
//
//   // docs/.vitepress/theme/index.mjs
//   import DefaultTheme from 'vitepress/theme'
//   import { keepLanguageChoice } from 'docsnip/vitepress'   // or a copy of this file
//   export default { extends: DefaultTheme, enhanceApp() { keepLanguageChoice() } }
//
// A click on a code group's tab selects the tab of the same label in every other group;
// a group that appears later (another page, client-side navigation) opens on that label
// when it has one. Groups without it are left alone. It sets the state VitePress's own
// click handler sets (the radio input and the `active` block), without scrolling.
const KEY = 'docsnip-language';

function labelOf(input) {
  const label = input.parentElement?.querySelector(`label[for="${CSS.escape(input.id)}"]`);
  return label ? label.textContent : null;
}

function show(group, label) {
  const inputs = Array.from(group.querySelectorAll(':scope > .tabs > input'));
  const i = inputs.findIndex((input) => labelOf(input) === label);
  const blocks = group.querySelector(':scope > .blocks');
  if (i < 0 || !blocks || inputs[i].checked) return;
  inputs[i].checked = true;
  Array.from(blocks.children).forEach((block, j) => block.classList.toggle('active', j === i));
}

function showEverywhere(label, except) {
  document.querySelectorAll('.vp-code-group').forEach((group) => {
    if (group !== except) show(group, label);
  });
}

function remembered() {
  try {
    return localStorage.getItem(KEY);
  } catch {
    return null;
  }
}

export function keepLanguageChoice() {
  if (typeof window === 'undefined' || window.__docsnipLanguageChoice) return;
  window.__docsnipLanguageChoice = true;
  window.addEventListener('click', (e) => {
    const input = e.target;
    if (!(input instanceof HTMLInputElement) || !input.matches('.vp-code-group > .tabs > input')) return;
    const label = labelOf(input);
    if (label === null) return;
    try {
      localStorage.setItem(KEY, label);
    } catch {
      // no storage (private mode): the choice still follows the groups of this page
    }
    showEverywhere(label, input.parentElement.parentElement);
  });
  const apply = () => {
    const label = remembered();
    if (label !== null) showEverywhere(label, null);
  };
  // After hydration, and whenever the content changes (client-side navigation).
  const start = () => {
    apply();
    new MutationObserver(apply).observe(document.body, { childList: true, subtree: true });
  };
  if (document.readyState === 'complete') setTimeout(start);
  else window.addEventListener('load', () => setTimeout(start));
}

export default keepLanguageChoice;
