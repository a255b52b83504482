// bench/link-peer.mjs — the peer of `hearth link pair` for bench/link-peer: Splink's method as its users run
// it, in DuckDB (the @duckdb/node-api package), on the same two CSV files.
//
// usage: node bench/link-peer.mjs --index INDEX.csv --partner PARTNER.csv [--threads N] [--no-identifiers]
//                                 [--block-cap N] [--rule-pairs N]
//
// What Splink does, written here as SQL (nothing is taken from Splink's code): load and standardise both
// files; add term frequencies of the names; block with the rules, each rule a join on its key that leaves
// out the pairs an earlier rule found (`NOT (coalesce(rule_1, false) OR ...)`), unioned with UNION ALL;
// then predict(): for every candidate pair, each comparison's level by CASE WHEN over
// jaro_winkler_similarity, damerau_levenshtein and list functions, the match weight as the prior plus each
// level's log2 Bayes factor (term-frequency adjusted for exact names), and the probability.
//
// The same as Hearth (src/link/): the first thirteen of its blocking rules (link_block.c; the seven added
// since, three of them token rules with several keys a record, are not written here, so Hearth compares a
// somewhat larger candidate set) and their keys, the block cap and the
// per-rule pair budget (Splink has neither; they are applied here as a filter on the keys so that both sides
// compare the same kind of candidate set), the comparison levels and their thresholds, the decision at
// probability 0.5 and the review band from 0.05.
// Different, and why:
//   - phonetic codes: DuckDB has no NYSIIS (nor soundex); `nysiis` below is the same rules as a chain of
//     regexp_replace and list functions over the whole name, which rewrites all matches of a rule at once
//     where Hearth walks letter by letter, so a few names get another code (and so a few blocks differ);
//   - nicknames: Hearth resolves given names through its built-in table of 214 clusters; here there is no
//     table, so the "nickname" level never fires and the given-name rule blocks on the first given name;
//   - m and u are fixed values (of the size Hearth estimates on this data), not estimated: training is left
//     out of the peer's timing, which makes the comparison kinder to the peer, not to Hearth;
//   - token overlap: on lists of distinct tokens made once per record (as Splink users keep array columns
//     for ArrayIntersectLevel), not split again for every pair;
//   - folding: lower(strip_accents()) and non-alphanumerics to one space, where Hearth uses NFKC case folding
//     and a table of stroked letters: the same on these files, whose names are Latin script.
//
// Prints one JSON line: candidate pairs (before and after the union), decisions, and seconds per stage.
// "seconds_scoring" is the comparisons and the weights of every candidate pair (predict()): the peer's
// scored pairs per second are candidates / seconds_scoring.
import { DuckDBInstance } from '@duckdb/node-api';

const args = process.argv.slice(2);
const opt = { threads: '0', ids: true, blockCap: 2000, rulePairs: 0 };
for (let i = 0; i < args.length; i++) {
  const a = args[i];
  if (a === '--index') opt.index = args[++i];
  else if (a === '--partner') opt.partner = args[++i];
  else if (a === '--threads') opt.threads = args[++i];
  else if (a === '--no-identifiers') opt.ids = false;
  else if (a === '--block-cap') opt.blockCap = Number(args[++i]);
  else if (a === '--rule-pairs') opt.rulePairs = Number(args[++i]);
  else {
    console.error(`link-peer: unknown argument ${a}`);
    process.exit(2);
  }
}
if (!opt.index || !opt.partner) {
  console.error('link-peer: needs --index INDEX.csv --partner PARTNER.csv');
  process.exit(2);
}

const config = {};
if (opt.threads !== '0') config.threads = opt.threads; // default: DuckDB uses every core, as its users let it
const db = await DuckDBInstance.create(':memory:', config);
const con = await db.connect();
await con.run('SET preserve_insertion_order = false'); // lets inserts run on every thread; kinder to the peer
const run = (sql) => con.run(sql);
const one = async (sql) => (await con.runAndReadAll(sql)).getRowObjectsJson()[0];
const seconds = {};
const timed = async (stage, fn) => {
  const t0 = process.hrtime.bigint();
  await fn();
  seconds[stage] = Number(process.hrtime.bigint() - t0) / 1e9;
};

// NYSIIS over a folded name, as SQL. Letters only, upper case; steps as in link_compare.c's comment.
await run(String.raw`
CREATE MACRO ny_letters(s) AS regexp_replace(upper(coalesce(s, '')), '[^A-Z]', '', 'g');
CREATE MACRO ny_head(x) AS
  regexp_replace(regexp_replace(regexp_replace(regexp_replace(regexp_replace(
    x, '^MAC', 'MCC'), '^KN', 'NN'), '^K', 'C'), '^P[HF]', 'FF'), '^SCH', 'SSS');
CREATE MACRO ny_tail(x) AS
  regexp_replace(regexp_replace(x, '(EE|IE)$', 'Y'), '(DT|RT|RD|NT|ND)$', 'D');
CREATE MACRO ny_body(x) AS
  regexp_replace(regexp_replace(regexp_replace(regexp_replace(regexp_replace(regexp_replace(
  regexp_replace(regexp_replace(regexp_replace(regexp_replace(regexp_replace(
    x, 'EV', 'AF', 'g'), '[AEIOU]', 'A', 'g'), 'Q', 'G', 'g'), 'Z', 'S', 'g'), 'M', 'N', 'g'),
    'KN', 'N', 'g'), 'K', 'C', 'g'), 'SCH', 'SSS', 'g'), 'PH', 'FF', 'g'),
    '([^A])H|H([^A]|$)', '\1\2', 'g'), 'AW', 'A', 'g');
CREATE MACRO ny_squeeze(x) AS
  list_transform([string_split(x, '')], l -> array_to_string(list_filter(l, (c, i) -> i = 1 OR c <> l[i - 1]), ''))[1];
CREATE MACRO ny_end(x) AS
  regexp_replace(regexp_replace(regexp_replace(x, 'S$', ''), 'AY$', 'Y'), 'A$', '');
CREATE MACRO nysiis(s) AS
  list_transform([ny_tail(ny_head(ny_letters(s)))], x ->
    CASE WHEN x = '' THEN NULL ELSE left(left(x, 1) || ny_end(ny_squeeze(left(x, 1) || ny_body(substr(x, 2)))[2:]), 15) END)[1];
CREATE MACRO fold(s) AS nullif(trim(regexp_replace(lower(strip_accents(coalesce(s, ''))), '[^a-z0-9]+', ' ', 'g')), '');
CREATE MACRO tokens(s) AS list_distinct(string_split(s, ' '));
CREATE MACRO overlap(a, b) AS
  CASE WHEN a IS NULL OR b IS NULL THEN 0 ELSE len(list_intersect(a, b))::DOUBLE / least(len(a), len(b)) END;
`);

// Load and standardise: one table per file, the record number rid, and every blocking key (NULL: none).
const load = (name, file, base) => `
CREATE TABLE ${name} AS
WITH raw AS (SELECT * FROM read_csv('${file.replace(/'/g, "''")}', header = true, all_varchar = true)),
f AS (
  SELECT row_number() OVER () - 1 + ${base} AS rid, id,
    fold(given_name) AS given, fold(family_name) AS family,
    try_strptime(date_of_birth, '%d/%m/%Y')::DATE AS dob,
    CASE upper(left(trim(coalesce(sex, '')), 1)) WHEN 'M' THEN 'M' WHEN 'F' THEN 'F' END AS sex,
    nullif(regexp_replace(upper(coalesce(postcode, '')), '[^A-Z0-9]', '', 'g'), '') AS postcode,
    fold(concat_ws(' ', address_1, address_2)) AS address, fold(town) AS town,
    nullif(regexp_replace(upper(coalesce(nhs_number, '')), '[^A-Z0-9]', '', 'g'), '') AS nhs,
    nullif(regexp_replace(upper(coalesce(nino, '')), '[^A-Z0-9]', '', 'g'), '') AS nino
  FROM raw),
g AS (
  SELECT *, split_part(given, ' ', 1) AS given1, tokens(family) AS family_tokens, tokens(address) AS address_tokens, nysiis(split_part(given, ' ', 1)) AS given_phon,
    nysiis(family) AS family_phon,
    CASE WHEN regexp_matches(postcode, '^([A-Z][0-9]{1,2}|[A-Z][A-Z][0-9]{1,2}|[A-Z][0-9][A-Z]|[A-Z][A-Z][0-9][A-Z])[0-9][A-Z]{2}$')
      THEN left(postcode, length(postcode) - 2) END AS sector,
    CASE WHEN regexp_matches(postcode, '^([A-Z][0-9]{1,2}|[A-Z][A-Z][0-9]{1,2}|[A-Z][0-9][A-Z]|[A-Z][A-Z][0-9][A-Z])[0-9][A-Z]{2}$')
      THEN left(postcode, length(postcode) - 3) END AS district
  FROM f)
SELECT *,
  CASE WHEN given_phon IS NOT NULL AND family_phon IS NOT NULL
    THEN least(given_phon, family_phon) || '|' || greatest(given_phon, family_phon) END AS k0,
  CASE WHEN dob IS NOT NULL THEN year(dob) || '|' || least(month(dob), day(dob)) || '|' || greatest(month(dob), day(dob)) END AS k1,
  CASE WHEN given IS NOT NULL THEN postcode || '|' || left(given, 1) END AS k2,
  CASE WHEN dob IS NOT NULL THEN family_phon || '|' || year(dob) END AS k3,
  CASE WHEN dob IS NOT NULL THEN given1 || '|' || month(dob) || '|' || day(dob) END AS k4,
  CASE WHEN family IS NOT NULL THEN address || '|' || left(family, 1) END AS k5,
  CASE WHEN given IS NOT NULL THEN family_phon || '|' || left(given, 1) END AS k6,
  CASE WHEN family IS NOT NULL THEN postcode || '|' || left(family, 1) END AS k7,
  CASE WHEN dob IS NOT NULL THEN town || '|' || year(dob) END AS k8,
  ${opt.ids ? 'nhs' : 'NULL::VARCHAR'} AS k9,
  ${opt.ids ? 'nino' : 'NULL::VARCHAR'} AS k10,
  NULL::VARCHAR AS k11,
  CASE WHEN given IS NOT NULL AND family IS NOT NULL THEN left(given1, 3) || '|' || left(family, 3) END AS k12
FROM g`;

const nrules = 13;
let na = 0, nb = 0;
await timed('loading', async () => {
  await run(load('l', opt.index, 0));
  na = Number((await one('SELECT count(*) AS n FROM l')).n);
  await run(load('r', opt.partner, na));
  nb = Number((await one('SELECT count(*) AS n FROM r')).n);
});

// Term frequencies of given and family names over both files (Splink's __splink__df_tf_*).
await timed('frequencies', async () => {
  await run(`
CREATE TABLE tf_given AS SELECT given, count(*)::DOUBLE / sum(count(*)) OVER () AS tf
  FROM (SELECT given FROM l UNION ALL SELECT given FROM r) WHERE given IS NOT NULL GROUP BY given;
CREATE TABLE tf_family AS SELECT family, count(*)::DOUBLE / sum(count(*)) OVER () AS tf
  FROM (SELECT family FROM l UNION ALL SELECT family FROM r) WHERE family IS NOT NULL GROUP BY family;`);
});

// Blocking. First Hearth's block cap and pair budget, as a filter on each rule's keys; then the pairs.
const budget = opt.rulePairs > 0 ? opt.rulePairs : Math.max(1000000, 4 * (na + nb));
let offered = 0;
await timed('blocking', async () => {
  for (let k = 0; k < nrules; k++) {
    await run(`
CREATE TABLE keep${k} AS
WITH b AS (
  SELECT key, sum(na) AS na, sum(nb) AS nb, sum(na) * sum(nb) AS pairs FROM (
    SELECT k${k} AS key, 1 AS na, 0 AS nb FROM l WHERE k${k} IS NOT NULL
    UNION ALL SELECT k${k}, 0, 1 FROM r WHERE k${k} IS NOT NULL) GROUP BY key),
c AS (SELECT * FROM b WHERE na + nb <= ${opt.blockCap} AND pairs > 0),
s AS (SELECT pairs, sum(pairs) OVER (ORDER BY pairs ROWS UNBOUNDED PRECEDING) AS upto FROM c),
lim AS (SELECT coalesce(min(pairs) FILTER (WHERE upto > ${budget}), 9e18) AS limit_pairs FROM s)
SELECT key FROM c, lim WHERE pairs < limit_pairs`);
    await run(`UPDATE l SET k${k} = NULL WHERE k${k} IS NOT NULL AND k${k} NOT IN (SELECT key FROM keep${k});
               UPDATE r SET k${k} = NULL WHERE k${k} IS NOT NULL AND k${k} NOT IN (SELECT key FROM keep${k});`);
  }
  const parts = [];
  for (let k = 0; k < nrules; k++) {
    const earlier = [];
    for (let q = 0; q < k; q++) earlier.push(`coalesce(l.k${q} = r.k${q}, false)`);
    parts.push(`SELECT l.rid AS lrid, r.rid AS rrid FROM l JOIN r ON l.k${k} = r.k${k}` +
      (earlier.length ? ` WHERE NOT (${earlier.join(' OR ')})` : ''));
  }
  await run(`CREATE TABLE pairs AS ${parts.join('\nUNION ALL\n')}`);
  for (let k = 0; k < nrules; k++) {
    const row = await one(`SELECT coalesce(sum(x.c * y.c), 0) AS n FROM
      (SELECT k${k} AS key, count(*) AS c FROM l WHERE k${k} IS NOT NULL GROUP BY 1) x JOIN
      (SELECT k${k} AS key, count(*) AS c FROM r WHERE k${k} IS NOT NULL GROUP BY 1) y USING (key)`);
    offered += Number(row.n);
  }
});
const candidates = Number((await one('SELECT count(*) AS n FROM pairs')).n);

// predict(): levels, Bayes factors, weight, probability, for every candidate pair.
// Fixed parameters (m, u per level; level 0 = missing contributes nothing), of the size Hearth estimates.
const mu = {
  given: [null, [0.88, 0.004], [0.02, 0.0005], [0.04, 0.002], [0.03, 0.03], [0.03, 0.96]],
  family: [null, [0.9, 0.003], [0.04, 0.001], [0.02, 0.03], [0.04, 0.966]],
  dob: [null, [0.95, 0.00004], [0.012, 0.00001], [0.02, 0.0005], [0.005, 0.004], [0.013, 0.995]],
  sex: [null, [0.99, 0.5], [0.01, 0.5]],
  postcode: [null, [0.85, 0.00003], [0.02, 0.0003], [0.03, 0.03], [0.1, 0.97]],
  address: [null, [0.8, 0.00001], [0.08, 0.001], [0.02, 0.02], [0.1, 0.979]],
  town: [null, [0.85, 0.07], [0.01, 0.001], [0.14, 0.929]],
  id: [null, [0.99, 0.000001], [0.005, 0.00001], [0.005, 0.999999]],
};
const bfCase = (name, col) => {
  const arms = mu[name].map((v, lv) => (v ? `WHEN ${lv} THEN ${Math.log2(v[0] / v[1])}` : null)).filter(Boolean);
  return `CASE ${col} ${arms.join(' ')} ELSE 0 END`;
};
const lambda = 0.7 * Math.min(na, nb) / (na * nb);
const prior = Math.log2(lambda / (1 - lambda));
const jw = (a, b) => `jaro_winkler_similarity(${a}, ${b})`;
const predictSql = `
CREATE TABLE predictions AS
WITH v AS (
  SELECT p.lrid, p.rrid, l.given AS lg, r.given AS rg, l.family AS lf,
    CASE WHEN l.given IS NOT NULL AND l.family IS NOT NULL AND r.given IS NOT NULL AND r.family IS NOT NULL
              AND l.given = r.family AND l.family = r.given THEN 3
         WHEN l.given IS NULL OR r.given IS NULL THEN 0
         WHEN l.given = r.given OR l.given1 = r.given1 THEN 1
         WHEN ${jw('l.given1', 'r.given1')} >= 0.92 THEN 3
         WHEN ${jw('l.given1', 'r.given1')} >= 0.80 OR l.given_phon = r.given_phon THEN 4
         ELSE 5 END AS g_given,
    CASE WHEN l.given IS NOT NULL AND l.family IS NOT NULL AND r.given IS NOT NULL AND r.family IS NOT NULL
              AND l.given = r.family AND l.family = r.given THEN 2
         WHEN l.family IS NULL OR r.family IS NULL THEN 0
         WHEN l.family = r.family THEN 1
         WHEN ${jw('l.family', 'r.family')} >= 0.92 OR overlap(l.family_tokens, r.family_tokens) >= 1 THEN 2
         WHEN ${jw('l.family', 'r.family')} >= 0.80 OR l.family_phon = r.family_phon THEN 3
         ELSE 4 END AS g_family,
    CASE WHEN l.dob IS NULL OR r.dob IS NULL THEN 0
         WHEN l.dob = r.dob THEN 1
         WHEN year(l.dob) = year(r.dob) AND month(l.dob) = day(r.dob) AND day(l.dob) = month(r.dob) THEN 2
         WHEN damerau_levenshtein(strftime(l.dob, '%Y%m%d'), strftime(r.dob, '%Y%m%d')) <= 1 THEN 3
         WHEN damerau_levenshtein(strftime(l.dob, '%Y%m%d'), strftime(r.dob, '%Y%m%d')) = 2 THEN 4
         ELSE 5 END AS g_dob,
    CASE WHEN l.sex IS NULL OR r.sex IS NULL THEN 0 WHEN l.sex = r.sex THEN 1 ELSE 2 END AS g_sex,
    CASE WHEN l.postcode IS NULL OR r.postcode IS NULL THEN 0
         WHEN l.postcode = r.postcode THEN 1
         WHEN l.sector IS NOT NULL AND r.sector IS NOT NULL THEN
           CASE WHEN l.sector = r.sector THEN 2 WHEN l.district = r.district THEN 3 ELSE 4 END
         WHEN damerau_levenshtein(l.postcode, r.postcode) <= 1 THEN 2
         ELSE 4 END AS g_postcode,
    CASE WHEN l.address IS NULL OR r.address IS NULL THEN 0
         WHEN l.address = r.address THEN 1
         WHEN overlap(l.address_tokens, r.address_tokens) >= 0.75 OR ${jw('l.address', 'r.address')} >= 0.92 THEN 2
         WHEN overlap(l.address_tokens, r.address_tokens) >= 0.5 THEN 3
         ELSE 4 END AS g_address,
    CASE WHEN l.town IS NULL OR r.town IS NULL THEN 0 WHEN l.town = r.town THEN 1
         WHEN ${jw('l.town', 'r.town')} >= 0.9 THEN 2 ELSE 3 END AS g_town,
    ${opt.ids ? `CASE WHEN (l.nhs IS NULL OR r.nhs IS NULL) AND (l.nino IS NULL OR r.nino IS NULL) THEN 0
         WHEN l.nhs = r.nhs OR l.nino = r.nino THEN 1
         WHEN damerau_levenshtein(l.nhs, r.nhs) <= 1 OR damerau_levenshtein(l.nino, r.nino) <= 1 THEN 2
         ELSE 3 END` : '0'} AS g_id
  FROM pairs p JOIN l ON l.rid = p.lrid JOIN r ON r.rid = p.rrid),
w AS (
  SELECT v.*,
    ${prior}
    + CASE WHEN g_given = 1 THEN log2(${mu.given[1][0]} / least(coalesce(tg.tf, ${mu.given[1][1]}), ${mu.given[1][1]}))
           ELSE ${bfCase('given', 'g_given')} END
    + CASE WHEN g_family = 1 THEN log2(${mu.family[1][0]} / least(coalesce(tf.tf, ${mu.family[1][1]}), ${mu.family[1][1]}))
           ELSE ${bfCase('family', 'g_family')} END
    + ${bfCase('dob', 'g_dob')} + ${bfCase('sex', 'g_sex')} + ${bfCase('postcode', 'g_postcode')}
    + ${bfCase('address', 'g_address')} + ${bfCase('town', 'g_town')} + ${bfCase('id', 'g_id')} AS match_weight
  FROM v LEFT JOIN tf_given tg ON tg.given = v.lg LEFT JOIN tf_family tf ON tf.family = v.lf)
SELECT lrid, rrid, g_given, g_family, g_dob, g_sex, g_postcode, g_address, g_town, g_id, match_weight,
  1 / (1 + pow(2, -match_weight)) AS match_probability
FROM w`;
await timed('scoring', async () => {
  await run(predictSql);
});
const d = await one(`SELECT count(*) FILTER (WHERE match_probability >= 0.5) AS link,
  count(*) FILTER (WHERE match_probability >= 0.05 AND match_probability < 0.5) AS review,
  count(*) AS scored FROM predictions`);
const threads = (await one("SELECT current_setting('threads') AS t")).t;
const version = (await one('SELECT version() AS v')).v;
console.log(JSON.stringify({
  duckdb: version, node: process.version, threads: Number(threads), records: na + nb,
  candidates_before_union: offered, candidates, scored: Number(d.scored), link: Number(d.link),
  review: Number(d.review), seconds,
  scored_pairs_per_second: candidates / seconds.scoring,
}));
