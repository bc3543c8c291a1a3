/* Search of the site: the French pipeline, lunr.js queries, Material's search UI.
 *
 * Loaded only when a reader reaches for the search box (assets/js/search-loader.js),
 * after lunr.js and the French stemmer, before search/index.js, which calls
 * kitSearch.ready(data). The pipeline mirrors builder/search/french.py step by step
 * (the tests compare both, word for word); the stop words and elisions come from the
 * index itself, so the two sides read one list. ASCII only: this file may be read
 * with any page encoding.
 */
(function () {
  "use strict";

  var PIPELINE = "fr-2";
  var COMBINING = /[\u0300-\u036f]/g;
  var APOSTROPHES = "'\u2018\u2019\u02bc";
  var HYPHENS = "\\-\u2010\u2011";
  var WORD = new RegExp("[a-z0-9]+(?:[" + APOSTROPHES + HYPHENS + "][a-z0-9]+)*", "g");
  var APOSTROPHE = new RegExp("[" + APOSTROPHES + "]");
  var HYPHEN = new RegExp("[" + HYPHENS + "]");
  var BATCH = 20; // results drawn at a time; the count says how many there are

  var config = null; // from the index: stopWords, elisions, prefixMin, exactBoost, joinedBoost
  var stop = null;
  var stems = new Map();

  // --- the pipeline (builder/search/french.py) ---

  function fold(text) {
    return text.normalize("NFKD").toLowerCase().replace(COMBINING, "")
      .replace(/\u0153/g, "oe").replace(/\u00e6/g, "ae").replace(/\u00df/g, "ss");
  }

  function stem(word) {
    var found = stems.get(word);
    if (found === undefined) {
      found = SnowballFrench.stem(word);
      stems.set(word, found);
    }
    return found;
  }

  function words(text) {
    var result = [];
    var matches = fold(text).match(WORD) || [];
    for (var i = 0; i < matches.length; i++) {
      var pieces = matches[i].split(APOSTROPHE);
      while (pieces.length > 1 && config.elisions.indexOf(pieces[0]) >= 0) pieces.shift();
      var parts = pieces.join("").split(HYPHEN);
      var kept = [];
      for (var j = 0; j < parts.length; j++) if (!stop.has(parts[j])) kept.push(stem(parts[j]));
      var joined = parts.length > 1 ? parts.join("") : null;
      var joinedStem = joined && !stop.has(joined) ? stem(joined) : null;
      if (kept.length || joinedStem) {
        var last = parts[parts.length - 1];
        result.push({ parts: kept, joined: joinedStem, tail: stop.has(last) ? "" : last });
      }
    }
    return result;
  }

  function terms(text) {
    var result = [];
    words(text).forEach(function (word) {
      result.push.apply(result, word.parts);
      if (word.joined) result.push(word.joined);
    });
    return result;
  }

  function queryClauses(query) {
    var found = words(query);
    var end = fold(query).slice(-1);
    var typing = ["", " ", "\t", "\n", "\r"].indexOf(end) < 0;
    var clauses = [];
    found.forEach(function (word, position) {
      var last = typing && position === found.length - 1;
      word.parts.forEach(function (part, index) {
        if (last && index === word.parts.length - 1 && word.tail.length >= config.prefixMin) {
          clauses.push({ term: part, required: true, boost: 1, prefix: true });
          clauses.push({ term: part, required: false, boost: config.exactBoost, prefix: false });
          if (word.tail !== part) clauses.push({ term: word.tail, required: false, boost: config.typedBoost, prefix: true });
        } else {
          clauses.push({ term: part, required: true, boost: 1, prefix: false });
        }
      });
      if (word.joined) {
        clauses.push({ term: word.joined, required: word.parts.length === 0, boost: config.joinedBoost, prefix: last });
      }
    });
    return clauses;
  }

  function relaxed(clauses) {
    return clauses.map(function (c) {
      return { term: c.term, required: false, boost: c.boost, prefix: c.prefix };
    });
  }

  // --- the engine (builder/search/engine.py) ---

  var index = null;
  var docs = null;

  function run(clauses) {
    var matches = index.query(function (q) {
      clauses.forEach(function (c) {
        q.term(c.term, {
          usePipeline: false,
          boost: c.boost,
          wildcard: c.prefix ? lunr.Query.wildcard.TRAILING : lunr.Query.wildcard.NONE,
          presence: c.required ? lunr.Query.presence.REQUIRED : lunr.Query.presence.OPTIONAL
        });
      });
    });
    return matches
      .map(function (m) { return { score: m.score, ref: Number(m.ref) }; })
      .sort(function (a, b) { return b.score - a.score || a.ref - b.ref; });
  }

  function search(query) {
    var clauses = queryClauses(query);
    if (!clauses.length) return [];
    var matches = run(clauses);
    if (!matches.length) matches = run(relaxed(clauses));
    return matches.map(function (m) {
      var doc = docs[m.ref];
      return { url: doc[0], title: doc[1], kind: doc[2], paths: doc[3], excerpt: doc[4], score: m.score };
    });
  }

  // --- the interface: Material's markup (partials/kit-search.html), its keyboard ---

  var ui = null;

  function translations() {
    var element = document.getElementById("__config");
    var all = {};
    try { all = JSON.parse(element.textContent).translations || {}; } catch (error) { /* keep defaults */ }
    return {
      placeholder: all["search.result.placeholder"] || "Taper pour d\u00e9marrer la recherche",
      none: all["search.result.none"] || "Aucun document trouv\u00e9",
      one: all["search.result.one"] || "1 document correspondant",
      other: all["search.result.other"] || "# documents correspondants"
    };
  }

  function setOpen(open) {
    ui.toggle.checked = open;
    ui.toggle.dispatchEvent(new Event("change"));
  }

  // Title and excerpt with the query's words marked, built as DOM nodes (no HTML parsing).
  function highlighter(query) {
    var exact = new Set(), prefixes = [];
    queryClauses(query).forEach(function (c) { if (c.prefix) prefixes.push(c.term); else exact.add(c.term); });
    function hit(term) {
      return exact.has(term) || prefixes.some(function (p) { return term.lastIndexOf(p, 0) === 0; });
    }
    return function (text) {
      var fragment = document.createDocumentFragment();
      var pattern = /[\p{L}\p{N}'\u2019\-]+/gu, last = 0, match;
      while ((match = pattern.exec(text))) {
        if (!terms(match[0]).some(hit)) continue;
        fragment.appendChild(document.createTextNode(text.slice(last, match.index)));
        var mark = document.createElement("mark");
        mark.textContent = match[0];
        fragment.appendChild(mark);
        last = match.index + match[0].length;
      }
      fragment.appendChild(document.createTextNode(text.slice(last)));
      return fragment;
    };
  }

  function element(tag, className, children) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    (children || []).forEach(function (child) {
      node.appendChild(typeof child === "string" ? document.createTextNode(child) : child);
    });
    return node;
  }

  var shown = { results: [], count: 0, mark: null };

  // Results are drawn BATCH at a time: the next ones when the list is scrolled to its end
  // or the arrow keys reach the last one drawn.
  function more() {
    var batch = shown.results.slice(shown.count, shown.count + BATCH);
    batch.forEach(function (result) {
      var about = result.kind + (result.paths.length ? " \u00b7 Parcours : " + result.paths.join(", ") : "");
      var article = element("article", "md-search-result__article md-search-result__article--document md-typeset", [
        element("div", "md-search-result__icon md-icon"),
        element("h1", null, [shown.mark(result.title)]),
        element("p", "kit-search-result__kind", [about]),
        element("p", null, [shown.mark(result.excerpt)])
      ]);
      var link = element("a", "md-search-result__link", [article]);
      link.href = ui.root + result.url;
      link.tabIndex = -1;
      ui.list.appendChild(element("li", "md-search-result__item", [link]));
    });
    shown.count += batch.length;
    return batch.length > 0;
  }

  function render(query) {
    var text = ui.text;
    ui.list.textContent = "";
    shown = { results: [], count: 0, mark: null };
    if (!query.trim()) {
      ui.meta.textContent = text.placeholder;
      ui.result.removeAttribute("data-kit-query");
      return;
    }
    shown.results = search(query);
    shown.mark = highlighter(query);
    var count = shown.results.length;
    ui.meta.textContent = count === 0 ? text.none : count === 1 ? text.one : text.other.replace("#", count);
    more();
    // For tests and benchmarks: the query these results answer.
    ui.result.setAttribute("data-kit-query", query);
  }

  function links() {
    return Array.prototype.slice.call(ui.list.querySelectorAll(".md-search-result__link"));
  }

  function onKey(event) {
    if (!ui.toggle.checked || event.ctrlKey || event.metaKey || event.altKey) return;
    var active = document.activeElement;
    var inside = active === ui.input || ui.list.contains(active);
    switch (event.key) {
      case "Escape":
      case "Tab":
        setOpen(false);
        ui.input.blur();
        break;
      case "Enter":
        if (active === ui.input) {
          var first = links()[0];
          if (first) first.click();
          event.preventDefault();
        }
        break;
      case "ArrowUp":
      case "ArrowDown":
        var all = [ui.input].concat(links());
        var at = Math.max(0, all.indexOf(active));
        if (event.key === "ArrowDown" && at === all.length - 1 && more()) all = [ui.input].concat(links());
        all[(at + all.length + (event.key === "ArrowUp" ? -1 : 1)) % all.length].focus();
        event.preventDefault();
        break;
      default:
        if (!inside) ui.input.focus();
    }
  }

  function setUp(root) {
    var form = document.forms.namedItem("kit-search");
    if (!form) return;
    ui = {
      root: root,
      form: form,
      input: form.querySelector(".md-search__input"),
      toggle: document.getElementById("__search"),
      result: document.querySelector(".md-search-result"),
      meta: document.querySelector(".md-search-result__meta"),
      list: document.querySelector(".md-search-result__list"),
      text: translations()
    };
    var pending = 0;
    ui.input.addEventListener("input", function () {
      if (pending) cancelAnimationFrame(pending);
      // One search per frame, for the latest text, however fast the typing.
      pending = requestAnimationFrame(function () { pending = 0; render(ui.input.value); });
    });
    var scroller = document.querySelector(".md-search__scrollwrap");
    scroller.addEventListener("scroll", function () {
      if (scroller.scrollTop + scroller.clientHeight > scroller.scrollHeight - 200) more();
    });
    form.addEventListener("submit", function (event) { event.preventDefault(); });
    form.addEventListener("reset", function () {
      setTimeout(function () { render(""); ui.input.focus(); }, 0);
    });
    document.addEventListener("keydown", onKey, true);
    render(ui.input.value);
  }

  // The index travels compact (builder/search/index.py, compact_index). Python expands
  // it whole into lunr's format for lunr.Index.load (expand_index); here a term's
  // postings and a page's vectors are expanded the first time a query needs them, so
  // the box is ready once the JSON is parsed and the token set built, at any catalogue
  // size. lunr.Index.query only reads invertedIndex[term] and fieldVectors[fieldRef].
  var NO_METADATA = Object.freeze({}); // lunr reads postings' metadata, never writes it

  function lazyIndex(compact) {
    var fields = compact.fields, rows = new Map(), terms = [];
    compact.terms.forEach(function (row) { rows.set(row[0], row); terms.push(row[0]); });
    var postings = new Map(), vectors = new Map();
    function posting(term) {
      var row = rows.get(term), result = {};
      if (row === undefined) return undefined;
      for (var f = 0; f < fields.length; f++) {
        var deltas = row[2 + f], documents = {}, ref = 0;
        for (var i = 0; i < deltas.length; i++) {
          ref += deltas[i];
          documents[ref] = NO_METADATA;
        }
        result[fields[f]] = documents;
      }
      result._index = row[1];
      return result;
    }
    function vector(fieldRef) {
      var slash = fieldRef.indexOf("/");
      var row = compact.vectors[Number(fieldRef.slice(slash + 1))];
      var packed = row && row[fields.indexOf(fieldRef.slice(0, slash))];
      if (!packed) return undefined;
      var elements = new Array(packed.length), index = 0;
      for (var i = 0; i < packed.length; i += 2) {
        index += packed[i];
        elements[i] = index;
        elements[i + 1] = packed[i + 1] / 1000;
      }
      return new lunr.Vector(elements);
    }
    function cached(cache, make) {
      return new Proxy({}, {
        get: function (_, key) {
          if (typeof key !== "string") return undefined;
          var value = cache.get(key);
          if (value === undefined) {
            value = make(key);
            if (value !== undefined) cache.set(key, value);
          }
          return value;
        }
      });
    }
    // Once ready, the vectors are expanded in the background, a slice at a time when the
    // page is idle: the first query on a frequent word then finds them ready.
    function warm(page) {
      var idle = window.requestIdleCallback || function (callback) { return setTimeout(callback, 1); };
      idle(function () {
        var end = Math.min(page + 100, compact.vectors.length);
        for (; page < end; page++) {
          for (var f = 0; f < fields.length; f++) {
            var key = fields[f] + "/" + page;
            if (!vectors.has(key)) vectors.set(key, vector(key));
          }
        }
        if (page < compact.vectors.length) warm(page);
      });
    }
    warm(0);
    return new lunr.Index({
      invertedIndex: cached(postings, posting),
      fieldVectors: cached(vectors, vector),
      tokenSet: lunr.TokenSet.fromArray(terms), // terms come sorted, as lunr.Index.load wants them
      fields: fields,
      pipeline: new lunr.Pipeline()
    });
  }

  window.kitSearch = {
    pipeline: { fold: fold, stem: stem, words: words, terms: terms, queryClauses: queryClauses },
    search: search,
    ready: function (data) {
      if (data.pipeline !== PIPELINE) throw new Error("search/index.js: pipeline " + data.pipeline + ", expected " + PIPELINE);
      config = data.config;
      stop = new Set(config.stopWords);
      docs = data.docs;
      index = lazyIndex(data.index);
      setUp((window.kitSearchLoader && window.kitSearchLoader.root) || "");
    }
  };
})();
