"""Full-text search of the site, in French, online and offline.

- ``french``: the text pipeline (accents, elisions, hyphens, stop words, stems),
  mirrored by the site's JavaScript;
- ``index``: the post-build stage writing ``search/index.js`` (a lunr index);
- ``engine``: queries on that index with lunr.py (``kit search``, tests);
- ``cli``: ``kit search``;
- ``snowball_js``: generates the browser's French stemmer from snowballstemmer.
"""
