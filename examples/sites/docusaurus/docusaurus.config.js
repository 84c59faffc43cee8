// A minimal Docusaurus 3 site for docsnip's `format: docusaurus`.
module.exports = {
  title: 'docsnip on Docusaurus',
  url: 'http://localhost',
  baseUrl: '/',
  onBrokenLinks: 'throw',
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
