// The site's front page: every organization published, by name.
import { relativeHref, sitePaths } from './links.ts';
import type { SiteIndexPage } from './model.ts';

export function buildSiteIndex(orgs: Array<{ shortcode: string; name: string }>): SiteIndexPage {
  const sorted = [...orgs].sort((a, b) => a.name.localeCompare(b.name) || a.shortcode.localeCompare(b.shortcode));
  return {
    template: 'site-index',
    path: sitePaths.siteIndex,
    title: 'Glific reports',
    crumbs: [],
    orgs: sorted.map((o) => ({ href: relativeHref(sitePaths.siteIndex, sitePaths.orgIndex(o.shortcode)), name: o.name, shortcode: o.shortcode })),
  };
}
