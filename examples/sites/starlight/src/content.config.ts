// Starlight's docs collection. Its front-matter schema drops keys it does not know;
// docsnip's `method:` and `request:` are declared so that they stay in the page data.
import { defineCollection, z } from 'astro:content';
import { docsLoader } from '@astrojs/starlight/loaders';
import { docsSchema } from '@astrojs/starlight/schema';

export const collections = {
  docs: defineCollection({
    loader: docsLoader(),
    schema: docsSchema({
      extend: z.object({
        method: z.string().optional(),
        request: z.any().optional(),
      }),
    }),
  }),
};
