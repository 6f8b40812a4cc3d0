"""Published coverage readers see: piece pages, hubs, Atom feeds, sitemap, CMS export."""
