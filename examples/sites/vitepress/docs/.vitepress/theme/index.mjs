// The default theme, with the reader's language choice kept across code groups and pages
// (docsnip/vitepress; this site imports the file itself: docsnip-vitepress.mjs is a link
// to packaging/npm/docsnip/lib/vitepress.mjs).
import DefaultTheme from 'vitepress/theme'
import { keepLanguageChoice } from './docsnip-vitepress.mjs'

export default {
  extends: DefaultTheme,
  enhanceApp() {
    keepLanguageChoice()
  },
}
