// A minimal VitePress site for docsnip's `format: vitepress` (scripts/check-sites.sh).
export default {
  title: 'docsnip on VitePress',
  // docsnip's `request:` is for docsnip. VitePress writes each page's front-matter into
  // a <script> block of the page's Vue component, where a value holding `</script>`
  // ends the block and breaks the build: keep it out of what VitePress sees.
  transformPageData(pageData) {
    delete pageData.frontmatter.request
  },
}
