// A minimal Starlight site for docsnip's `format: starlight` (scripts/check-sites.sh).
import { defineConfig } from 'astro/config';
import starlight from '@astrojs/starlight';

export default defineConfig({
  telemetry: false,
  integrations: [
    starlight({
      title: 'docsnip on Starlight',
      // Expressive Code as a site has it by default (tabs become two spaces, trailing
      // white space is trimmed): docsnip must cope with the defaults.
      pagefind: false,
    }),
  ],
});
