/* Search of the site: the French pipeline, lunr.js queries, passages, the results box.
 *
 * Loaded only when a reader reaches for the search box (assets/js/search-loader.js),
 * after lunr.js and the French stemmer, before search/index.js, which calls
 * kitSearch.ready(data). Every step mirrors builder/search/french.py and engine.py
 * (the tests compare both, word for word and result for result); every table and
 * pattern of the pipeline comes from the index itself (data.config, written from
 * french.browser_rules() at build time), so the two sides read one definition.
 * Each page's text (search/pages/<n>.js) is loaded only for the results shown, the
 * words of the pages (search/vocabulary.js) only when a typed word finds nothing.
 * ASCII only: this file may be read with any page encoding. No eval, no inline handler.
 */
(function () {
  "use strict";

  var PIPELINE = "fr-3";
  // Results drawn for a new query: about what the box shows, since each needs its page's
  // file (title, passage), the bulk of a keystroke's cost; then BATCH more at a time, as
  // the reader scrolls or arrows down. The count says how many there are.
  var FIRST = 10;
  var BATCH = 20;
  var REMEMBERED = 50; // outcomes of the latest queries kept: a letter erased is answered at once

  var config = null; // french.browser_rules()
  var rx = null; // its patterns, compiled
  var stop = null;
  var endingStarts = null; // french.ending_starts()
  var stems = new Map();
  var root = "";

  function characterClass(pairs) {
    return new RegExp("[" + pairs.map(function (p) {
      return "\\u" + ("000" + p[0].charCodeAt(0).toString(16)).slice(-4);
    }).join("") + "]", "g");
  }

  function compile(rules) {
    rx = {
      characters: characterClass(rules.characterMap),
      characterMap: new Map(rules.characterMap),
      ligatures: characterClass(rules.ligatures),
      ligatureMap: new Map(rules.ligatures),
      combining: new RegExp("[" + rules.combining + "]", "g"),
      word: new RegExp(rules.word, "g"),
      apostrophe: new RegExp(rules.apostrophe),
      hyphen: new RegExp(rules.hyphen),
      queryPart: new RegExp(rules.queryPart, "g")
    };
  }

  // --- the pipeline (builder/search/french.py) ---

  function normalise(text) {
    return text.normalize("NFKC").replace(rx.characters, function (c) { return rx.characterMap.get(c); });
  }

  function fold(text) {
    return normalise(text).normalize("NFKD").toLowerCase().replace(rx.combining, "")
      .replace(rx.ligatures, function (c) { return rx.ligatureMap.get(c); });
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
    var matches = fold(text).match(rx.word) || [];
    for (var i = 0; i < matches.length; i++) {
      var pieces = matches[i].split(rx.apostrophe);
      while (pieces.length > 1 && config.elisions.indexOf(pieces[0]) >= 0) pieces.shift();
      var parts = pieces.join("").split(rx.hyphen);
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

  function terms(text, joined) {
    var result = [];
    words(text).forEach(function (word) {
      result.push.apply(result, word.parts);
      if (word.joined && joined !== false) result.push(word.joined);
    });
    return result;
  }

  function clause(term, required, boost, prefix, excluded) {
    return { term: term, required: required, boost: boost, prefix: prefix, excluded: !!excluded };
  }

  function parseQuery(query) {
    var parts = [], text = normalise(query), match;
    rx.queryPart.lastIndex = 0;
    while ((match = rx.queryPart.exec(text))) {
      if (match[3] === undefined) {
        parts.push({ text: match[2], phrase: true, excluded: match[1] === "-" });
      } else {
        var stripped = match[3].replace(/^-+/, "");
        var excluded = match[3].charAt(0) === "-" && stripped !== "";
        parts.push({ text: excluded ? stripped : match[3], phrase: false, excluded: excluded });
      }
    }
    return parts;
  }

  function wordClauses(word, last) {
    var clauses = [];
    word.parts.forEach(function (part, index) {
      if (last && index === word.parts.length - 1 && word.tail.length >= config.prefixMin) {
        clauses.push(clause(part, true, 1, true));
        clauses.push(clause(part, false, config.exactBoost, false));
        if (word.tail !== part) clauses.push(clause(word.tail, false, config.typedBoost, true));
      } else {
        clauses.push(clause(part, true, 1, false));
      }
    });
    if (word.joined) clauses.push(clause(word.joined, word.parts.length === 0, config.joinedBoost, last));
    return clauses;
  }

  function plan(query) {
    var parts = parseQuery(query);
    var typing = ["", " ", "\t", "\n", "\r", "\""].indexOf(fold(query).slice(-1)) < 0;
    var found = [], phrases = [], excludedPhrases = [], openPhrase = false;
    parts.forEach(function (part, number) {
      var sequence = terms(part.text, false);
      if (part.excluded) {
        if (sequence.length === 1 && !part.phrase) {
          found.push({ part: number, clauses: [clause(sequence[0], false, 1, false, true)], typed: "", reach: "",
            stem: "" });
        } else if (sequence.length) {
          excludedPhrases.push(sequence);
        }
        return;
      }
      var partWords = words(part.text);
      // The last word typed, unless it is a stop word (french.py, plan).
      var written = fold(part.text).match(rx.word) || [];
      var lastPart = typing && number === parts.length - 1 && written.length > 0 &&
        words(written[written.length - 1]).length > 0;
      partWords.forEach(function (word, position) {
        var last = lastPart && position === partWords.length - 1;
        var typed = !part.phrase && partWords.length === 1 && word.parts.length === 1 && !word.joined &&
          word.tail.length >= config.typoMinOne ? word.tail : "";
        var open = last && word.parts.length > 0 && word.tail.length >= config.prefixMin;
        found.push({ part: number, clauses: wordClauses(word, last), typed: typed, reach: open ? word.tail : "",
          stem: open ? word.parts[word.parts.length - 1] : "" });
      });
      if (part.phrase && sequence.length > 1) {
        phrases.push(sequence);
        openPhrase = lastPart && found[found.length - 1].reach !== "";
      }
    });
    return { parts: parts, words: found, phrases: phrases, excludedPhrases: excludedPhrases, openPhrase: openPhrase };
  }

  // Why a query can find nothing whatever the pages, or "" (french.py, nothing_to_look_for).
  function nothingToLookFor(query) {
    var found = plan(query), clauses = flatten(found.words);
    if (found.phrases.length || clauses.some(function (c) { return !c.excluded; })) return "";
    if (found.words.length || found.excludedPhrases.length) return config.exclusionsOnly;
    rx.word.lastIndex = 0;
    return rx.word.test(fold(query)) ? config.stopWordsOnly : "";
  }

  function flatten(found) {
    var clauses = [];
    found.forEach(function (word) { clauses.push.apply(clauses, word.clauses); });
    return clauses;
  }

  function queryClauses(query) {
    return flatten(plan(query).words);
  }

  function relaxed(clauses) {
    return clauses.map(function (c) { return clause(c.term, false, c.boost, c.prefix, c.excluded); });
  }

  function typoDistance(typed) {
    return typed.length >= config.typoMinTwo ? 2 : typed.length >= config.typoMinOne ? 1 : 0;
  }

  // Optimal string alignment distance, or limit + 1 once it is known to exceed limit.
  function editDistance(a, b, limit) {
    if (Math.abs(a.length - b.length) > limit) return limit + 1;
    var before = [], previous = [], current, i, j;
    for (j = 0; j <= b.length; j++) previous.push(j);
    for (i = 1; i <= a.length; i++) {
      current = [i];
      var smallest = i;
      for (j = 1; j <= b.length; j++) {
        var cost = a.charAt(i - 1) === b.charAt(j - 1) ? 0 : 1;
        var value = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost);
        if (i > 1 && j > 1 && a.charAt(i - 1) === b.charAt(j - 2) && a.charAt(i - 2) === b.charAt(j - 1)) {
          value = Math.min(value, before[j - 2] + 1);
        }
        current.push(value);
        if (value < smallest) smallest = value;
      }
      if (smallest > limit) return limit + 1;
      before = previous;
      previous = current;
    }
    return previous[b.length];
  }

  // --- files loaded on demand: a page's text, the words of the pages ---

  var pages = new Map(), rows = new Map(), vocabulary = null, waiting = new Map();

  function loadScript(key, file) {
    if (!waiting.has(key)) {
      var done, promise = new Promise(function (resolve) { done = resolve; });
      waiting.set(key, { promise: promise, done: done });
      var script = document.createElement("script");
      script.src = root + file;
      script.addEventListener("load", function () { script.remove(); });
      script.addEventListener("error", function () { script.remove(); done(null); }); // a missing file: no passage
      document.head.appendChild(script);
    }
    return waiting.get(key).promise;
  }

  // A page's row (url, title, kind, paths) and text by section: for the results shown.
  function loadPage(ref) {
    if (pages.has(ref)) return Promise.resolve(pages.get(ref));
    return loadScript("page " + ref, "search/pages/" + ref + ".js").then(function (row) {
      if (!pages.has(ref)) {
        pages.set(ref, row ? row[4] : []);
        rows.set(ref, row ? row.slice(0, 4) : ["", "", "", []]);
      }
      return pages.get(ref);
    });
  }

  function loadPages(refs) {
    return Promise.all(refs.map(loadPage));
  }

  function loadVocabulary() {
    if (vocabulary) return Promise.resolve(vocabulary);
    return loadScript("vocabulary", "search/vocabulary.js").then(function (found) {
      if (!vocabulary) vocabulary = found || [];
      return vocabulary;
    });
  }

  // --- the engine (builder/search/engine.py) ---

  var meta = null; // search/index.js: fields, shards' first terms, page count
  var index = null; // a lunr.Index over the terms loaded so far (see shards below)
  var links = null; // catalogue and case sheets' index, suggested when nothing is found
  var termRows = new Map(); // term -> [term, number, per field [page delta, weight, ...]], as loaded
  var written = null; // term -> vocabulary rows that stem to it

  // lunr's Index.query (lunr.js 2.3.9, lunr.py 0.8.0), the same arithmetic in the same
  // order, so the same scores to the last bit as ``kit search``, but read straight from the
  // shards' rows: lunr's own made objects for every page and field matched (MatchData,
  // FieldRef strings, Sets, the page's whole vector), most of a keystroke's time at 10,000
  // pages (benchmarks/README.md). A page's score in a field is the query vector's dot
  // product with the page's vector (over their common terms, in term-number order) over
  // the query vector's magnitude; its fields' scores are added in the order lunr met them.
  // Terms are expanded by lunr's token set, in lunr's order. ``withTerms``: also each
  // page's matched terms (for the typo ranking). Results unsorted (search() sorts them).
  function run(clauses, withTerms) {
    var fields = meta.fields, count = meta.count;
    if (clauses.every(function (c) { return c.excluded; })) return runWithLunr(clauses); // every page, then
    var query = fields.map(function () { return new Map(); }); // field -> term number -> value
    var rowOf = new Map(), seen = new Uint8Array(count), order = [], fieldOrder = new Uint16Array(count);
    var required = null, prohibited = null, termsOf = withTerms ? new Map() : null, cached = new Set();
    for (var c = 0; c < clauses.length; c++) {
      var cl = clauses[c];
      var expanded = expandTerm(cl.term, cl.prefix);
      if (!expanded.length && cl.required && !cl.excluded) return []; // a required word found nowhere
      var matches = cl.required && !cl.excluded ? new Uint8Array(count) : null;
      for (var e = 0; e < expanded.length; e++) {
        var row = termRows.get(expanded[e]), number = row[1];
        rowOf.set(number, row);
        for (var f = 0; f < fields.length; f++) {
          var pairs = row[2 + f], page = 0, i;
          if (cl.excluded) {
            prohibited = prohibited || new Uint8Array(count);
            for (i = 0; i < pairs.length; i += 2) { page += pairs[i]; prohibited[page] = 1; }
            continue;
          }
          if (matches) for (i = 0; i < pairs.length; i += 2) { page += pairs[i]; matches[page] = 1; }
          var vector = query[f];
          vector.set(number, vector.has(number) ? vector.get(number) + cl.boost : cl.boost);
          var key = number + "/" + f;
          if (cached.has(key)) continue;
          cached.add(key);
          page = 0;
          for (i = 0; i < pairs.length; i += 2) {
            page += pairs[i];
            if (!(seen[page] & (1 << f))) {
              if (!seen[page]) order.push(page);
              seen[page] |= 1 << f;
              fieldOrder[page] = fieldOrder[page] * 4 + f + 1;
            }
            if (termsOf) {
              if (!termsOf.has(page)) termsOf.set(page, new Set());
              termsOf.get(page).add(expanded[e]);
            }
          }
        }
      }
      if (matches) {
        if (required) for (var r = 0; r < count; r++) required[r] &= matches[r];
        else required = matches;
      }
    }
    var scores = fields.map(function (_, f) {
      var dots = new Float64Array(count), terms = Array.from(query[f].keys()).sort(function (a, b) { return a - b; });
      var squares = 0;
      terms.forEach(function (number) { var v = query[f].get(number); squares += v * v; });
      var magnitude = Math.sqrt(squares);
      terms.forEach(function (number) {
        var value = query[f].get(number), pairs = rowOf.get(number)[2 + f], page = 0;
        for (var i = 0; i < pairs.length; i += 2) {
          page += pairs[i];
          dots[page] += value * (pairs[i + 1] / 1000);
        }
      });
      return { dots: dots, magnitude: magnitude };
    });
    var results = [];
    order.forEach(function (page) {
      if ((required && !required[page]) || (prohibited && prohibited[page])) return;
      var digits = [], code = fieldOrder[page];
      for (; code; code = Math.floor(code / 4)) digits.unshift(code % 4 - 1);
      var score;
      digits.forEach(function (f, n) {
        var s = scores[f].dots[page] / scores[f].magnitude || 0;
        score = n ? score + s : s;
      });
      results.push({ score: score, ref: page, terms: termsOf ? Array.from(termsOf.get(page) || []) : NO_TERMS });
    });
    return results;
  }

  // lunr's own query: for a query of exclusions only (every page but those), rare.
  function runWithLunr(clauses) {
    var matches = lunrIndex().query(function (q) {
      clauses.forEach(function (c) {
        q.term(c.term, {
          usePipeline: false,
          boost: c.boost,
          wildcard: c.prefix ? lunr.Query.wildcard.TRAILING : lunr.Query.wildcard.NONE,
          presence: c.excluded ? lunr.Query.presence.PROHIBITED
            : c.required ? lunr.Query.presence.REQUIRED : lunr.Query.presence.OPTIONAL
        });
      });
    });
    return matches.map(function (m) {
      return { score: m.score, ref: Number(m.ref), terms: Object.keys(m.matchData.metadata) };
    });
  }

  function expand(clauses) {
    var found = new Set();
    clauses.forEach(function (c) {
      if (c.excluded) return;
      expandTerm(c.term, c.prefix).forEach(function (t) { found.add(t); });
    });
    return found;
  }

  function pagesWith(found) {
    var marks = new Uint8Array(meta.count), reached = 0;
    found.forEach(function (term) {
      var row = termRows.get(term);
      for (var f = 0; f < meta.fields.length; f++) {
        var pairs = row[2 + f], page = 0;
        for (var i = 0; i < pairs.length; i += 2) {
          page += pairs[i];
          if (!marks[page]) { marks[page] = 1; reached++; }
        }
      }
    });
    return reached;
  }

  function writtenForms() {
    if (!written) {
      written = new Map();
      vocabulary.forEach(function (row) {
        var term = stem(row[0]);
        if (!written.has(term)) written.set(term, []);
        written.get(term).push(row);
      });
    }
    return written;
  }

  function compareArrays(a, b) {
    for (var i = 0; i < a.length; i++) {
      if (a[i] < b[i]) return -1;
      if (a[i] > b[i]) return 1;
    }
    return 0;
  }

  function candidates(typed) {
    var limit = typoDistance(typed), forms = writtenForms(), close = new Map();
    vocabulary.forEach(function (row) {
      var distance = editDistance(typed, row[0], limit);
      if (distance > 0 && distance <= limit) {
        var term = stem(row[0]), known = close.get(term);
        if (!known || compareArrays([distance, row[0]], known) < 0) close.set(term, [distance, row[0], row]);
      }
    });
    var typedStem = stem(typed);
    forms.forEach(function (formRows, term) {
      if (close.has(term)) return;
      var distance = editDistance(typedStem, term, limit);
      if (distance > 0 && distance <= limit) {
        var best = null;
        formRows.forEach(function (row) {
          var key = [editDistance(typed, row[0], 99), row[0]];
          if (!best || compareArrays(key, best[0]) < 0) best = [key, row];
        });
        close.set(term, [distance, best[1][0], best[1]]);
      }
    });
    var ranked = [];
    close.forEach(function (value, term) { ranked.push([value[0], -value[2][1], value[1], term]); });
    ranked.sort(compareArrays);
    return ranked.slice(0, config.typoCandidates).map(function (r) {
      var row = close.get(r[3])[2];
      return [r[3], row.length > 2 ? row[2] : row[0]];
    });
  }

  // Phrases: the positions of each term in each page, stored in the index beside the term
  // shards (search/positions/<n>.js, builder/search/index.py, phrase_sequence), loaded
  // only for a query with a phrase; every page found is checked, none is read.
  var positionRows = new Map(), positionPages = new Map(), positionShards = new Set();

  function loadPositions(phraseTerms) {
    var wanted = new Set();
    phraseTerms.forEach(function (term) {
      var n = shardOf(term);
      if (!positionShards.has(n)) wanted.add(n);
    });
    return Promise.all(Array.from(wanted).map(function (n) {
      return loadScript("positions " + n, "search/positions/" + n + ".js");
    }));
  }

  function positionsOf(term) {
    var found = positionPages.get(term);
    if (!found) {
      var packed = positionRows.get(term) || [], page = 0, i = 0;
      found = new Map();
      while (i < packed.length) {
        page += packed[i];
        var count = packed[i + 1], position = 0, list = [];
        for (var j = 0; j < count; j++) {
          position += packed[i + 2 + j];
          list.push(position);
        }
        found.set(page, list);
        i += 2 + count;
      }
      positionPages.set(term, found);
    }
    return found;
  }

  // ``ends`` (a phrase whose last word is being typed): any of these terms ends it.
  function hasPhrase(ref, phrase, ends) {
    var lists = phrase.slice(0, -1).map(function (term) { return positionsOf(term).get(ref); });
    var last = [];
    (ends || phrase.slice(-1)).forEach(function (term) { last.push.apply(last, positionsOf(term).get(ref) || []); });
    lists.push(last.length ? last : undefined);
    if (lists.some(function (list) { return !list; })) return false;
    var later = lists.slice(1).map(function (list) { return new Set(list); });
    return lists[0].some(function (start) {
      return later.every(function (set, i) { return set.has(start + i + 1); });
    });
  }

  // The index terms of the words of the pages (search/vocabulary.js, sorted) that start with
  // the folded letters ``typed``: a binary search, then the words of that range (engine.py,
  // reach_terms, but before the check that the terms are in the index: their shards may
  // not be loaded yet).
  function vocabularyStems(typed) {
    var low = 0, high = vocabulary.length, found = new Set();
    while (low < high) {
      var middle = (low + high) >> 1;
      if (vocabulary[middle][0] < typed) low = middle + 1; else high = middle;
    }
    for (var i = low; i < vocabulary.length && vocabulary[i][0].lastIndexOf(typed, 0) === 0; i++) found.add(stem(vocabulary[i][0]));
    return Array.from(found).sort();
  }

  // The letters typed may continue a shorter term as a word of its stem (french.py,
  // continues and shorter_stems): what they have past it begins an ending the stemmer removes.
  function continues(term, typed) {
    var past = typed.slice(term.length);
    if (endingStarts.has(past)) return true;
    return config.undoubled.some(function (u) { return term.slice(-u.length) === u; }) &&
      past.charAt(0) === term.slice(-1) && endingStarts.has(past.slice(1));
  }

  function shorterStems(typed) {
    var found = [];
    for (var n = typed.length - 1; n >= config.prefixMin; n--) {
      if (continues(typed.slice(0, n), typed)) found.push(typed.slice(0, n));
    }
    return found;
  }

  // The word being typed also reaches the terms of the words of the pages that start with
  // the letters typed when no term starts with them ("innovat": innovation is indexed as
  // "innov"), or when they may continue a shorter term they do not reach yet ("associat"
  // -> associ): engine.py, _reach. Its required prefix clause becomes optional, followed by
  // an optional clause for each term reached so; a page must have one of the word's terms.
  // Resolves to those sets of terms by word (``required``), the sets that rank a page above
  // the others (``above``) and the terms the last word reaches (``terms``).
  function reach(list) {
    var number = -1, none = { required: new Map(), above: [], terms: new Set() };
    list.forEach(function (word, n) { if (word.reach) number = n; });
    if (number < 0) return Promise.resolve(none);
    var word = list[number], shorter = shorterStems(word.reach), extra = [];
    var reached = expand(word.clauses.filter(function (c) {
      return (c.term === word.stem || c.term === word.reach) && !c.excluded;
    }));
    // The shorter terms' shards: one lookup per length.
    var wanted = reached.size ? shorter.map(function (t) { return clause(t, false, 1, false); }) : [];
    return loadTerms(wanted).then(function () {
      if (reached.size && !shorter.some(function (t) { return termRows.has(t) && !reached.has(t); })) return null;
      return loadVocabulary().then(function () {
        extra = vocabularyStems(word.reach).filter(function (t) { return !reached.has(t); });
        return loadTerms(extra.map(function (t) { return clause(t, false, 1, false); }));
      }).then(function () {
        extra = extra.filter(function (t) { return termRows.has(t); });
        return extra.length ? true : null;
      });
    }).then(function (found) {
      if (!found) return { required: new Map(), above: [], terms: reached };
      var clauses = [], boost = reached.size ? config.reachBoost : 1;
      word.clauses.forEach(function (c) {
        if (c.term === word.stem && c.required && c.prefix) {
          clauses.push(clause(c.term, false, c.boost, true));
          extra.forEach(function (t) { clauses.push(clause(t, false, boost, false)); });
        } else {
          clauses.push(c);
        }
      });
      list[number] = { part: word.part, clauses: clauses, typed: word.typed, reach: word.reach, stem: word.stem };
      var all = new Set(reached);
      extra.forEach(function (t) { all.add(t); });
      return { required: new Map([[number, all]]), above: reached.size ? [reached] : [], terms: all };
    });
  }

  function byScore(a, b) {
    return b.score - a.score || a.ref - b.ref;
  }

  // ``openTerms``: the terms that end the last phrase when its last word is being typed.
  function filter(matches, found, openTerms) {
    if (!found.phrases.length && !found.excludedPhrases.length) return Promise.resolve(matches);
    var wanted = [], last = found.openPhrase ? found.phrases.length - 1 : -1;
    var ends = Array.from(openTerms || []).sort();
    found.phrases.concat(found.excludedPhrases).forEach(function (p) { wanted.push.apply(wanted, p); });
    if (last >= 0) wanted.push.apply(wanted, ends);
    return loadPositions(wanted).then(function () {
      return matches.filter(function (m) {
        return found.phrases.every(function (p, n) { return hasPhrase(m.ref, p, n === last ? ends : null); }) &&
          !found.excludedPhrases.some(function (p) { return hasPhrase(m.ref, p); });
      });
    });
  }

  var outcomes = new Map();

  // search(), remembering its latest answers (the index never changes once loaded).
  function remembered(query, typos) {
    var key = (typos ? "1" : "0") + query;
    if (!outcomes.has(key)) {
      if (outcomes.size >= REMEMBERED) outcomes.delete(outcomes.keys().next().value);
      outcomes.set(key, search(query, { typos: typos }));
    }
    return outcomes.get(key);
  }

  // While the last word is typed, when it is a whole word as far as the index can tell (its
  // stem is a term, and its letters are that term, or begin no term), the pages the same
  // query followed by a space finds come first, in its order and with its scores, then the
  // others: a space typed after a whole word does not reorder its results (engine.py, search).
  // A space typed after a word only partly typed (« innovat ») does not finish it: when the
  // query with the space finds nothing, or only by correcting a word, the query read as still
  // being typed is taken if it finds pages as typed (engine.py, search).
  function search(query, options) {
    var trimmed = query.replace(/\s+$/, "");
    return searchMerged(query, options).then(function (outcome) {
      if (trimmed === query || !trimmed || (outcome.results.length && !outcome.corrected)) return outcome;
      return searchMerged(trimmed, options).then(function (typing) {
        return typing.results.length && !typing.corrected ? typing : outcome;
      });
    });
  }

  function searchMerged(query, options) {
    var word = null;
    plan(query).words.forEach(function (w) { if (w.reach) word = w; });
    return searchOnce(query, options).then(function (outcome) {
      var whole = word && termRows.has(word.stem) && (word.reach === word.stem || !expandTerm(word.reach, true).length);
      if (!whole) return outcome;
      return searchOnce(query + " ", options).then(function (finished) {
        if (!finished.results.length) return outcome;
        var seen = new Set(finished.results.map(function (r) { return r.ref; }));
        outcome.results = finished.results.concat(outcome.results.filter(function (r) { return !seen.has(r.ref); }));
        return outcome;
      });
    });
  }

  function searchOnce(query, options) {
    var typos = !options || options.typos !== false;
    var found = plan(query);
    var outcome = { results: [], corrected: null, marks: { exact: [], prefixes: [] } };
    var looking = found.phrases.length || flatten(found.words).some(function (c) { return !c.excluded; });
    if (!looking) return Promise.resolve(outcome); // exclusions alone find nothing
    var list = found.words.slice(), tried = [], close = new Map(), reaching = new Map(), above = [];
    var openTerms = new Set();
    return loadTerms(flatten(list)).then(function () {
      return reach(list);
    }).then(function (reached) {
      reaching = reached.required;
      above = reached.above;
      openTerms = reached.terms;
      if (typos) {
        list.forEach(function (word, number) {
          if (!word.typed) return;
          var own = expand(word.clauses), reached = pagesWith(own);
          if (reached < config.typoFew) tried.push({ number: number, own: own, reached: reached });
        });
      }
      return tried.length ? loadVocabulary() : null;
    }).then(function () {
      var wanted = [];
      tried.forEach(function (t) {
        close.set(t.number, candidates(list[t.number].typed));
        close.get(t.number).forEach(function (c) { wanted.push(clause(c[0], false, 1, false)); });
      });
      return loadTerms(wanted);
    }).then(function () {
      // Pages lacking one of these sets rank below: the own terms of a word that reached
      // further (see reach), of each word whose typos are tried.
      var checks = above.slice(), corrected = new Map();
      tried.forEach(function (t) {
        var word = list[t.number], near = close.get(t.number);
        if (!near.length) return;
        var clauses = word.clauses.map(function (c) { return clause(c.term, false, c.boost, c.prefix); });
        var boost = t.reached ? config.typoBoost : 1;
        near.forEach(function (c) { clauses.push(clause(c[0], false, boost, false)); });
        list[t.number] = { part: word.part, clauses: clauses, typed: word.typed };
        checks.push(t.own);
        reaching.delete(t.number); // its close words' pages count too
        if (t.reached === 0) corrected.set(word.part, near[0][1]);
      });
      if (corrected.size) {
        outcome.corrected = found.parts.map(function (part, number) {
          var text = corrected.has(number) ? corrected.get(number) : part.text;
          return (part.excluded ? "-" : "") + (part.phrase ? "\u00ab " + text + " \u00bb" : text);
        }).join(" ");
      }
      var clauses = flatten(list), exact = new Set();
      clauses.forEach(function (c) {
        if (c.excluded) return;
        if (c.prefix) outcome.marks.prefixes.push(c.term); else exact.add(c.term);
      });
      outcome.marks.exact = Array.from(exact);
      var withTerms = checks.length > 0 || reaching.size > 0;
      var first = clauses.length ? filter(run(clauses, withTerms), found, openTerms) : Promise.resolve([]);
      return first.then(function (matches) {
        // A word that reached past its stem: one of its terms on each page (engine.py, search).
        if (reaching.size) {
          var sets = Array.from(reaching.values());
          matches = matches.filter(function (m) {
            return sets.every(function (terms) { return m.terms.some(function (t) { return terms.has(t); }); });
          });
        }
        return matches.length || !clauses.length ? matches : filter(run(relaxed(clauses), withTerms), found, openTerms);
      }).then(function (matches) {
        // The pages' rows (url, title…) come with their files, for the results drawn.
        if (!checks.length) { // the usual case: sorted as they are (10,000 copies cost a keystroke)
          outcome.results = matches.sort(byScore);
          return outcome;
        }
        // Pages that have the words as typed rank above those found by a close word only.
        var ranked = matches.map(function (m) {
          var lacking = 0;
          checks.forEach(function (own) {
            if (!m.terms.some(function (t) { return own.has(t); })) lacking++;
          });
          return { lacking: lacking, score: m.score, ref: m.ref };
        });
        ranked.sort(function (a, b) { return a.lacking - b.lacking || byScore(a, b); });
        outcome.results = ranked.map(function (m) { return { ref: m.ref, score: m.score }; });
        return outcome;
      });
    });
  }

  // --- passages (engine.page_passages) ---

  function strip(token) {
    var punctuation = config.punctuation, start = 0, end = token.length;
    while (start < end && punctuation.indexOf(token.charAt(start)) >= 0) start++;
    while (end > start && punctuation.indexOf(token.charAt(end - 1)) >= 0) end--;
    return { before: token.slice(0, start), core: token.slice(start, end), after: token.slice(end) };
  }

  // Drawing a keystroke's results reads ten pages word by word: a word's terms, its folded
  // core and whether a query marks it are worked out once (the pipeline is the costly part),
  // for every page and every later keystroke of the same query.
  var wordTerms = new Map(), foldedCores = new Map();

  function termsOfWord(word) {
    var found = wordTerms.get(word);
    if (found === undefined) {
      found = terms(word);
      wordTerms.set(word, found);
    }
    return found;
  }

  function foldedCore(token) {
    var found = foldedCores.get(token);
    if (found === undefined) {
      found = fold(strip(token).core);
      foldedCores.set(token, found);
    }
    return found;
  }

  function marker(marks) {
    if (marks.hit) return marks.hit;
    var exact = new Set(marks.exact), cache = new Map();
    marks.hit = function (word) {
      var found = cache.get(word);
      if (found === undefined) {
        found = termsOfWord(word).some(function (t) {
          return exact.has(t) || marks.prefixes.some(function (p) { return t.lastIndexOf(p, 0) === 0; });
        });
        cache.set(word, found);
      }
      return found;
    };
    return marks.hit;
  }

  function better(a, b) {
    return a[0] > b[0] || (a[0] === b[0] && a[1] > b[1]);
  }

  var sectionTokens = new WeakMap();

  function tokensOf(section) {
    var found = sectionTokens.get(section);
    if (!found) {
      found = section[2] ? section[2].split(" ") : [];
      sectionTokens.set(section, found);
    }
    return found;
  }

  function pagePassages(sections, marks) {
    var hit = marker(marks), words = config.passageWords;
    var scored = sections.map(function (section, number) {
      var tokens = tokensOf(section);
      var hits = [];
      tokens.forEach(function (token, i) { if (hit(token)) hits.push(i); });
      var best = [0, 0], start = 0;
      hits.forEach(function (h) {
        var first = Math.max(0, Math.min(h - config.passageBefore, tokens.length - words));
        var distinct = new Set(), inside = 0;
        hits.forEach(function (i) {
          if (i >= first && i < first + words) {
            inside++;
            distinct.add(foldedCore(tokens[i]));
          }
        });
        var score = [distinct.size, inside];
        if (better(score, best)) { best = score; start = first; }
      });
      return { score: best, number: number, start: start, tokens: tokens };
    });
    var withText = scored.filter(function (s) { return s.tokens.length; });
    if (!withText.length) return { main: { anchor: "", heading: "", segments: [] }, subs: [] };
    var ranked = withText.slice().sort(function (a, b) {
      return b.score[0] - a.score[0] || b.score[1] - a.score[1] || a.number - b.number;
    });
    var some = function (s) { return better(s.score, [0, 0]); };
    var main = some(ranked[0]) ? ranked[0] : withText[0];
    var subs = ranked.filter(function (s) { return s !== main && some(s) && sections[s.number][0]; })
      .slice(0, config.subresults);

    function passage(item) {
      var end = Math.min(item.tokens.length, item.start + words), segments = [];
      function add(text, marked) {
        var last = segments[segments.length - 1];
        if (last && !marked && !last[1]) last[0] += text;
        else if (text) segments.push([text, marked]);
      }
      add(item.start > 0 ? "\u2026 " : "", false);
      for (var i = item.start; i < end; i++) {
        var token = item.tokens[i];
        if (i > item.start) add(" ", false);
        if (hit(token)) {
          var parts = strip(token);
          add(parts.before, false);
          add(parts.core, true);
          add(parts.after, false);
        } else {
          add(token, false);
        }
      }
      add(end < item.tokens.length ? " \u2026" : "", false);
      var section = sections[item.number];
      return { anchor: section[0], heading: section[1], segments: segments };
    }

    return { main: passage(main), subs: subs.map(passage) };
  }

  function passages(ref, marks) {
    return loadPage(ref).then(function (sections) { return pagePassages(sections, marks); });
  }

  // --- the interface: Material's look (partials/kit-search.html), a list of named links ---

  var ui = null;
  var TEXT = {
    placeholder: "Taper pour d\u00e9marrer la recherche",
    none: "Aucun r\u00e9sultat",
    one: "1 r\u00e9sultat",
    other: "# r\u00e9sultats"
  };

  function setOpen(open) {
    ui.toggle.checked = open;
    ui.toggle.dispatchEvent(new Event("change"));
  }

  function element(tag, className, children) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    (children || []).forEach(function (child) {
      node.appendChild(typeof child === "string" ? document.createTextNode(child) : child);
    });
    return node;
  }

  // Marked text built as DOM nodes (no HTML parsing).
  function segmentsNode(segments) {
    var fragment = document.createDocumentFragment();
    segments.forEach(function (segment) {
      fragment.appendChild(segment[1] ? element("mark", null, [segment[0]]) : document.createTextNode(segment[0]));
    });
    return fragment;
  }

  function titleNode(title, marks) {
    var hit = marker(marks), segments = [];
    title.split(" ").forEach(function (word, i) {
      var parts = hit(word) ? strip(word) : { before: word, core: "", after: "" };
      segments.push([(i ? " " : "") + parts.before, false]);
      if (parts.core) segments.push([parts.core, true], [parts.after, false]);
    });
    return segmentsNode(segments.filter(function (s) { return s[0]; }));
  }

  var shown = { results: [], count: 0, marks: null, chain: Promise.resolve(false) };
  var generation = 0, serial = 0;

  function resultItem(result, marks) {
    var row = rows.get(result.ref), found = pagePassages(pages.get(result.ref), marks);
    var title = row[1], about = row[2] + (row[3].length ? " \u00b7 Parcours : " + row[3].join(", ") : "");
    var id = "kit-recherche-" + (++serial);
    var link = element("a", "md-search-result__link kit-search-result__main", [
      element("div", "md-search-result__article md-search-result__article--document md-typeset", [
        element("div", "md-search-result__icon md-icon"),
        element("div", "kit-search-result__title", [titleNode(title, marks)]),
        element("p", "kit-search-result__kind", [about]),
        element("p", "kit-search-result__passage", [segmentsNode(found.main.segments)])
      ])
    ]);
    link.href = root + row[0];
    link.setAttribute("aria-label", title);
    link.querySelector(".kit-search-result__kind").id = id + "-nature";
    link.querySelector(".kit-search-result__passage").id = id;
    link.setAttribute("aria-describedby", id + "-nature " + id);
    var item = element("li", "md-search-result__item", [link]);
    found.subs.forEach(function (sub) {
      var subId = "kit-recherche-" + (++serial);
      var passage = element("p", "kit-search-result__passage", [segmentsNode(sub.segments)]);
      passage.id = subId;
      var subLink = element("a", "md-search-result__link kit-search-result__sub", [
        element("div", "md-search-result__article md-typeset", [
          element("div", "kit-search-result__heading", [sub.heading]), passage])
      ]);
      subLink.href = root + row[0] + "#" + encodeURIComponent(sub.anchor);
      subLink.setAttribute("aria-label", title + " \u2014 " + sub.heading);
      subLink.setAttribute("aria-describedby", subId);
      item.appendChild(subLink);
    });
    return item;
  }

  // Results are drawn BATCH at a time, once their pages' files are in (title, text):
  // the next ones when the list is scrolled to its end or the arrow keys reach the last
  // one drawn. Resolves to whether some were drawn.
  function more(first) {
    var size = shown.count ? BATCH : FIRST;
    var batch = shown.results.slice(shown.count, shown.count + size), mine = generation, marks = shown.marks;
    shown.count += batch.length;
    var ready = loadPages(batch.map(function (r) { return r.ref; })), current = shown;
    current.drawing = batch.length > 0;
    current.chain = current.chain.then(function () { return ready; }).then(function () {
      current.drawing = false;
      if (mine !== generation) return false;
      if (first) first(); // a new query: the previous results stay until these are ready
      var items = document.createDocumentFragment(); // one insertion for the batch
      batch.forEach(function (result) { items.appendChild(resultItem(result, marks)); });
      ui.list.appendChild(items);
      if (first) prefetch(shown.results.slice(shown.count, shown.count + FIRST));
      return batch.length > 0;
    });
    return current.chain;
  }

  // Once a query's first results are drawn and the browser is idle, the files of the next
  // few: the next letter typed usually narrows the list to pages ranked just below.
  function prefetch(results) {
    var idle = window.requestIdleCallback || function (f) { return setTimeout(f, 50); };
    var mine = generation;
    idle(function () {
      if (mine === generation) loadPages(results.map(function (r) { return r.ref; }));
    });
  }

  function suggestion() {
    var catalogue = element("a", null, ["le catalogue"]), cases = element("a", null, ["les fiches d'exp\u00e9rience"]);
    catalogue.href = root + ui.links.catalogue;
    cases.href = root + ui.links.fiches;
    return element("p", "kit-search-suggestion", [
      "Essayez d'autres mots ou moins de mots, ou parcourez ", catalogue, " et ", cases,
      " avec leurs filtres (nature, parcours, territoire, forme de co-construction\u2026)."]);
  }

  function clear() {
    ui.list.textContent = "";
    ui.notice.textContent = "";
    ui.notice.hidden = true;
  }

  function render(query, asTyped) {
    var mine = ++generation;
    shown = { results: [], count: 0, marks: null, chain: Promise.resolve(false) };
    if (!query.trim()) {
      clear();
      ui.meta.textContent = TEXT.placeholder;
      ui.help.hidden = false;
      ui.result.setAttribute("data-kit-query", query);
      return Promise.resolve();
    }
    return remembered(query, !asTyped).then(function (found) {
      if (mine !== generation) return;
      shown.results = found.results;
      shown.marks = found.marks;
      return more(function () { show(query, found); }).then(function () {
        // For tests and benchmarks: the query these results (and their passages) answer.
        if (mine === generation) ui.result.setAttribute("data-kit-query", query);
      });
    });
  }

  // The count, the notice (typo corrected, or nothing found) and an empty list for the results.
  function show(query, found) {
    clear();
    ui.help.hidden = true;
    var count = found.results.length;
    ui.meta.textContent = count === 0 ? TEXT.none : count === 1 ? TEXT.one : TEXT.other.replace("#", count);
    if (found.corrected) {
      var asIs = element("a", "kit-search-as-typed", ["Rechercher \u00ab " + query.trim() + " \u00bb tel quel"]);
      asIs.href = "#";
      asIs.addEventListener("click", function (event) {
        event.preventDefault();
        ui.input.focus();
        render(ui.input.value, true);
      });
      ui.notice.appendChild(element("span", null, ["R\u00e9sultats pour \u00ab " + found.corrected + " \u00bb. "]));
      ui.notice.appendChild(asIs);
      ui.notice.hidden = false;
    } else if (count === 0) {
      var why = nothingToLookFor(query);
      if (why) ui.notice.appendChild(element("p", "kit-search-why", [why]));
      ui.notice.appendChild(suggestion());
      ui.notice.hidden = false;
    }
  }

  function resultLinks() {
    return Array.prototype.slice.call(ui.list.querySelectorAll("a[href]"));
  }

  function close(focusBox) {
    setOpen(false);
    if (focusBox) {
      window.kitSearchLoader.focusClosed(); // the box keeps the focus, closed
    } else if (ui.form.contains(document.activeElement) || ui.output.contains(document.activeElement)) {
      document.activeElement.blur();
    }
  }

  function onKey(event) {
    if (!ui.toggle.checked || event.ctrlKey || event.metaKey || event.altKey) return;
    var active = document.activeElement;
    var inside = active === ui.input || ui.output.contains(active);
    switch (event.key) {
      case "Escape":
        close(true);
        event.preventDefault();
        break;
      case "Enter":
        if (active === ui.input) {
          var first = ui.list.querySelector("a[href]");
          if (first) first.click();
          event.preventDefault();
        }
        break;
      case "ArrowUp":
      case "ArrowDown":
        if (!inside) return;
        var all = [ui.input].concat(resultLinks());
        var at = Math.max(0, all.indexOf(active)), step = event.key === "ArrowUp" ? -1 : 1;
        event.preventDefault();
        if (step === 1 && at === all.length - 1 && (shown.drawing || shown.count < shown.results.length)) {
          (shown.drawing ? shown.chain : more()).then(function () {
            all = [ui.input].concat(resultLinks());
            all[(at + 1) % all.length].focus();
          });
          break;
        }
        all[(at + all.length + step) % all.length].focus();
        break;
      case "Tab":
        break; // the links are in the Tab order; leaving the box closes it (focusout)
      default:
        if (!inside && event.key.length === 1) ui.input.focus();
    }
  }

  // The box's help (operators, keyboard), shown while it is empty, and its description.
  // Added here, not in the page: pages carry no search weight until the box is used.
  function helpNode() {
    var help = element("div", "kit-search-help md-typeset", [
      element("p", null, ["Tous les mots tap\u00e9s sont cherch\u00e9s, avec ou sans accents, au singulier comme " +
        "au pluriel, le dernier aussi comme d\u00e9but de mot (\u00ab innovat \u00bb trouve \u00ab innovation \u00bb) ; " +
        "une faute de frappe est corrig\u00e9e quand le mot ne trouve rien."]),
      element("ul", null, [
        element("li", null, [element("kbd", null, ["\"innovation soci\u00e9tale\""]),
          " : les mots entre guillemets, dans cet ordre (expression exacte) ;"]),
        element("li", null, [element("kbd", null, ["partenariats -alsace"]),
          " : sans les pages qui contiennent \u00ab alsace \u00bb."])
      ]),
      element("p", null, ["Fl\u00e8ches ou ", element("kbd", null, ["Tab"]), " pour parcourir les r\u00e9sultats, ",
        element("kbd", null, ["Entr\u00e9e"]), " pour ouvrir le premier, ", element("kbd", null, ["\u00c9chap"]),
        " pour fermer."])
    ]);
    help.id = "kit-search-help";
    return help;
  }

  function setUp() {
    var form = document.forms.namedItem("kit-search");
    if (!form) return;
    var meta = document.querySelector(".md-search-result__meta");
    if (!document.getElementById("kit-search-help")) meta.parentNode.insertBefore(helpNode(), meta.nextSibling);
    form.querySelector(".md-search__input").setAttribute("aria-describedby", "kit-search-help");
    ui = {
      form: form,
      input: form.querySelector(".md-search__input"),
      toggle: document.getElementById("__search"),
      output: document.querySelector(".md-search__output"),
      result: document.querySelector(".md-search-result"),
      meta: document.querySelector(".md-search-result__meta"),
      help: document.getElementById("kit-search-help"),
      notice: document.getElementById("kit-search-notice"),
      list: document.querySelector(".md-search-result__list"),
      links: links
    };
    // One search at a time, started at once (no timer, no wait for a frame): keys typed
    // while a search loads its files wait for it, then only the latest text is searched
    // (fast typing skips the words in between instead of loading their results' files).
    var running = false, queued = false;
    function next() {
      if (running) {
        queued = true;
        return;
      }
      running = true;
      render(ui.input.value).then(finished, finished);
    }
    function finished() {
      running = false;
      if (queued) {
        queued = false;
        next();
      }
    }
    ui.input.addEventListener("input", function () {
      if (!ui.toggle.checked) setOpen(true);
      next();
    });
    var scroller = document.querySelector(".md-search__scrollwrap");
    scroller.addEventListener("scroll", function () {
      // One batch at a time: the list grows only once the one asked for is drawn.
      if (!shown.drawing && scroller.scrollTop + scroller.clientHeight > scroller.scrollHeight - 200) more();
    });
    form.addEventListener("submit", function (event) { event.preventDefault(); });
    form.addEventListener("reset", function () {
      setTimeout(function () { render(""); ui.input.focus(); }, 0);
    });
    // Tab out of the box closing it: search-loader.js (there from the page's start, so a
    // Tab that leaves before this file has loaded closes it too).
    document.addEventListener("keydown", onKey, true);
    render(ui.input.value);
  }

  // --- the index, in shards (builder/search/index.py, shard_index) ---
  // search/terms/<n>.js holds the terms from meta.shards[n] to the next shard's first, each
  // with its pages and their weights per field (the pages' lunr vector values for it).
  // A query loads the shards of its terms (a prefix: all those its range covers), then
  // runs on a lunr.Index over the terms loaded: lunr only reads the postings and vector
  // values of the query's own terms (its score is the query vector's dot product with
  // the page's, over the query vector's magnitude), so scores are those of the whole index.
  var shardsLoaded = new Set();
  // The loaded terms in order: a word's terms (a prefix: those it begins) are a binary search
  // away. A lunr TokenSet of them all, rebuilt at each shard loaded, and the pages' vectors,
  // filled posting by posting, cost most of a keystroke at 10,000 sheets (issue 13); lunr's
  // index is now made only for a query of exclusions alone (lunrIndex).
  var termList = [];
  // lunr's postings and page vectors, made when such a query first reads them: a term's
  // posting never changes; a page's vector when a new shard brings terms of that page (the
  // vectors are then dropped with the index, see addShard).
  var postings = new Map(), vectors = new Map();
  var NO_METADATA = Object.freeze({}); // lunr reads postings' metadata, never writes it
  var NO_TERMS = Object.freeze([]);

  // The loaded terms equal to ``term`` or, with ``prefix``, beginning with it, in the order
  // lunr's TokenSet intersected with « term* » lists them (toArray: a word before the words
  // it begins, otherwise the greater first): a page's scores per field are added in the
  // order its fields are met, so the same order keeps scores bit for bit those of lunr and
  // of ``kit search`` (lunr.py).
  function expandTerm(term, prefix) {
    if (!prefix) return termRows.has(term) ? [term] : [];
    var low = 0, high = termList.length, found = [];
    while (low < high) {
      var middle = (low + high) >> 1;
      if (termList[middle] < term) low = middle + 1; else high = middle;
    }
    for (var i = low; i < termList.length && termList[i].lastIndexOf(term, 0) === 0; i++) found.push(termList[i] + "\uffff");
    return found.sort().reverse().map(function (t) { return t.slice(0, -1); });
  }

  // ``more`` (sorted) merged into the sorted ``list``: a new list.
  function merged(list, more) {
    var out = new Array(list.length + more.length), i = 0, j = 0, k = 0;
    while (i < list.length && j < more.length) out[k++] = list[i] <= more[j] ? list[i++] : more[j++];
    while (i < list.length) out[k++] = list[i++];
    while (j < more.length) out[k++] = more[j++];
    return out;
  }

  function shardOf(term) {
    var low = 0, high = meta.shards.length - 1;
    while (low < high) {
      var middle = (low + high + 1) >> 1;
      if (meta.shards[middle] <= term) low = middle; else high = middle - 1;
    }
    return low;
  }

  function loadTerms(clauses) {
    var wanted = new Set();
    clauses.forEach(function (c) {
      var last = c.prefix ? shardOf(c.term + "\uffff") : shardOf(c.term);
      for (var n = shardOf(c.term); n <= last; n++) if (!shardsLoaded.has(n)) wanted.add(n);
    });
    if (!wanted.size) return Promise.resolve();
    return Promise.all(Array.from(wanted).map(function (n) {
      return loadScript("terms " + n, "search/terms/" + n + ".js");
    }));
  }

  function addShard(number, shard) {
    if (shardsLoaded.has(number) || !shard) return;
    shardsLoaded.add(number);
    var added = [];
    shard.forEach(function (row) {
      if (!termRows.has(row[0])) added.push(row[0]);
      termRows.set(row[0], row);
    });
    termList = merged(termList, added.sort());
    index = null; // lunr's, if made: its token set and vectors lack these terms
  }

  // lunr's index over the terms loaded, for runWithLunr: made at its first query after a
  // shard arrived, with each page's vector per field (« field/page » -> [term number, weight…]).
  function lunrIndex() {
    if (index) return index;
    var fields = meta.fields, weights = new Map();
    termList.forEach(function (term) {
      var row = termRows.get(term);
      fields.forEach(function (field, f) {
        var pairs = row[2 + f], page = 0;
        for (var i = 0; i < pairs.length; i += 2) {
          page += pairs[i];
          var key = field + "/" + page;
          if (!weights.has(key)) weights.set(key, []);
          weights.get(key).push([row[1], pairs[i + 1]]);
        }
      });
    });
    vectors.clear();
    return rebuild(weights);
  }

  function rebuild(weights) {
    var fields = meta.fields;
    function posting(term) {
      var row = termRows.get(term), result = {};
      if (row === undefined) return undefined;
      for (var f = 0; f < fields.length; f++) {
        var pairs = row[2 + f], documents = {}, ref = 0;
        for (var i = 0; i < pairs.length; i += 2) {
          ref += pairs[i];
          documents[ref] = NO_METADATA;
        }
        result[fields[f]] = documents;
      }
      result._index = row[1];
      return result;
    }
    function vector(fieldRef) {
      var found = weights.get(fieldRef);
      if (!found) return new lunr.Vector([]);
      var elements = [];
      found.slice().sort(function (a, b) { return a[0] - b[0]; }).forEach(function (pair) {
        elements.push(pair[0], pair[1] / 1000);
      });
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
    index = new lunr.Index({
      invertedIndex: cached(postings, posting),
      fieldVectors: cached(vectors, vector),
      tokenSet: lunr.TokenSet.fromArray(termList),
      fields: fields,
      pipeline: new lunr.Pipeline()
    });
    return index;
  }

  function arrived(key, value) {
    var entry = waiting.get(key);
    if (entry) entry.done(value);
    else waiting.set(key, { promise: Promise.resolve(value), done: function () {} });
  }

  window.kitSearch = {
    pipeline: {
      normalise: normalise, fold: fold, stem: stem, words: words, terms: terms, parseQuery: parseQuery,
      plan: plan, queryClauses: queryClauses, editDistance: editDistance, shorterStems: shorterStems,
      nothingToLookFor: nothingToLookFor,
      candidates: function (typed) {
        return loadVocabulary().then(function () { return candidates(typed); });
      }
    },
    search: search,
    passages: passages,
    ready: function (data) {
      if (data.pipeline !== PIPELINE) throw new Error("search/index.js: pipeline " + data.pipeline + ", expected " + PIPELINE);
      config = data.config;
      compile(config);
      stop = new Set(config.stopWords);
      endingStarts = new Set();
      var endings = config.verbEndings.concat(config.residual);
      [""].concat(config.beforeSuffix).forEach(function (b) {
        config.suffixes.forEach(function (x) { endings.push(b + x); });
      });
      endings.forEach(function (e) { for (var n = 0; n <= e.length; n++) endingStarts.add(e.slice(0, n)); });
      meta = data;
      links = data.links || { catalogue: "catalogue/index.html", fiches: "fiches/index.html" };
      root = (window.kitSearchLoader && window.kitSearchLoader.root) || "";
      setUp();
    },
    page: function (ref, row) {
      arrived("page " + ref, row);
    },
    terms: function (number, shard) {
      addShard(number, shard);
      arrived("terms " + number, shard);
    },
    positions: function (number, shard) {
      if (!positionShards.has(number) && shard) {
        positionShards.add(number);
        shard.forEach(function (row) { positionRows.set(row[0], row[1]); });
      }
      arrived("positions " + number, shard);
    },
    vocabulary: function (found) {
      arrived("vocabulary", found);
    }
  };
})();
