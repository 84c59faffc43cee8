// A minimal Docusaurus 3 site for docsnip's `format: docusaurus`.
module.exports = {
  title: 'docsnip on Docusaurus',
  url: 'http://localhost',
  baseUrl: '/',
  onBrokenLinks: 'throw',
  markdown: {
    // docsnip's `request:` is for docsnip. Docusaurus writes the front-matter into a
    // JavaScript module without escaping backslashes (stringify-object), so a value such
    // as "C:\\" would break the build: keep it out of what Docusaurus sees.
    parseFrontMatter: async (params) => {
      const result = await params.defaultParseFrontMatter(params);
      delete result.frontMatter.request;
      return result;
    },
  },
  presets: [
    [
      'classic',
      {
        docs: { routeBasePath: '/', sidebarPath: undefined },
        blog: false,
        pages: false,
        theme: {},
      },
    ],
  ],
};
