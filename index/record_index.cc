#include "absl/strings/string_view.h"
#include "index/record_index.h"

#include <algorithm>
#include <functional>
#include <thread>
#include <system_error>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "base/status_macros.h"
#include "base/utf8.h"
#include "index/cjk_tokens.h"
#include "index/text_flow.h"

namespace kuaguan::index {
namespace fs = std::filesystem;
using kuaguan::v1::Record;

namespace {

constexpr Xapian::valueno kDateSlot = 0;
constexpr char kSeqKey[] = "store_seq";
constexpr char kRebuildSeqKey[] = "rebuild_seq";
constexpr char kRebuildLastKey[] = "rebuild_last_code";
constexpr char kRebuildCompleteKey[] = "rebuild_complete";
constexpr char kFormatKey[] = "format";  // absent in indexes of format 1
constexpr uint32_t kFieldGap = 100;   // position gap between fields: phrases never span two
constexpr uint64_t kRebuildBatch = 5000;
constexpr int kShards = 2;  // from format 2: two databases, one writer thread each
// A search counts this many matches a shard exactly (its total is an estimate beyond).
constexpr Xapian::doccount kCountedExactly = 100;

// Term prefixes: every text field is indexed once, under its prefix; "any" searches them all.
constexpr char kIdPrefix[] = "Q";
constexpr char kTitlePrefix[] = "XT";
constexpr char kResponsiblePrefix[] = "XA";
constexpr char kFondsPrefix[] = "XF";
constexpr char kKeywordsPrefix[] = "XK";
constexpr char kFullTextPrefix[] = "XB";
constexpr char kPersonsPrefix[] = "XN";
constexpr char kOtherPrefix[] = "XO";  // document number, summary, notes
constexpr char kYearPrefix[] = "XY";
constexpr char kSecrecyPrefix[] = "XS";
constexpr char kSharePrefix[] = "XC";
constexpr char kLivelihoodPrefix[] = "XL";
constexpr char kPersonPrefix[] = "XH";  // hex of a person's keyed identity hash

absl::Status XapianError(const Xapian::Error& e, absl::string_view what) {
  return absl::InternalError(absl::StrCat("index ", what, ": ", e.get_type(), ": ", e.get_msg()));
}

std::string PersonsText(const Record& r) {
  std::string s;
  for (const auto& p : r.persons()) absl::StrAppend(&s, p.name(), "；");
  return s;
}

// The fields searched for `field`, each with its term prefix, in snippet order.
struct FieldText {
  std::string name;
  std::string text;
};

std::vector<FieldText> FieldsFor(const std::string& field, const Record& r) {
  if (field == "title") return {{"title", r.title()}, {"parallel_title", r.parallel_title()}};
  if (field == "responsible") return {{"responsible", r.responsible()}};
  if (field == "fonds") return {{"fonds_name", r.fonds_name()}, {"fonds_number", r.fonds_number()}};
  if (field == "keywords") return {{"keywords", r.keywords()}};
  if (field == "fulltext") return {{"full_text", r.full_text()}};
  if (field == "persons") return {{"persons", PersonsText(r)}};
  if (field == "catalog") {
    return {{"title", r.title()},       {"parallel_title", r.parallel_title()},
            {"responsible", r.responsible()}, {"keywords", r.keywords()},
            {"summary", r.summary()},   {"fonds_name", r.fonds_name()},
            {"fonds_number", r.fonds_number()}, {"document_number", r.document_number()},
            {"notes", r.notes()}};
  }
  return {{"title", r.title()},       {"parallel_title", r.parallel_title()},
          {"responsible", r.responsible()}, {"keywords", r.keywords()},
          {"summary", r.summary()},   {"full_text", r.full_text()},
          {"fonds_name", r.fonds_name()}, {"fonds_number", r.fonds_number()},
          {"persons", PersonsText(r)},
          {"document_number", r.document_number()}, {"notes", r.notes()}};
}

// The term prefixes a search in `field` looks under.
absl::StatusOr<std::vector<std::string>> PrefixesFor(const std::string& field) {
  if (field.empty() || field == "any") {
    return std::vector<std::string>{kTitlePrefix,    kResponsiblePrefix, kFondsPrefix,
                                    kKeywordsPrefix, kPersonsPrefix,     kOtherPrefix,
                                    kFullTextPrefix};
  }
  if (field == "catalog") {  // what peers may search: no full text, no persons
    return std::vector<std::string>{kTitlePrefix, kResponsiblePrefix, kFondsPrefix, kKeywordsPrefix,
                                    kOtherPrefix};
  }
  if (field == "title") return std::vector<std::string>{kTitlePrefix};
  if (field == "responsible") return std::vector<std::string>{kResponsiblePrefix};
  if (field == "fonds") return std::vector<std::string>{kFondsPrefix};
  if (field == "keywords") return std::vector<std::string>{kKeywordsPrefix};
  if (field == "fulltext") return std::vector<std::string>{kFullTextPrefix};
  if (field == "persons") return std::vector<std::string>{kPersonsPrefix};
  return absl::InvalidArgumentError(absl::StrCat(
      "unknown search field '", field,
      "' (any, catalog, title, responsible, fonds, keywords, fulltext, persons, code)"));
}

// The shard databases of an index directory: the directory itself for an index of format 1
// (one Xapian database), else its kShards sub-directories.
std::vector<fs::path> ShardPaths(const fs::path& dir) {
  std::error_code ec;
  if (fs::exists(dir / "iamglass", ec)) return {dir};
  std::vector<fs::path> out;
  for (int i = 0; i < kShards; ++i) out.push_back(dir / absl::StrCat("shard-", i));
  return out;
}

// Which of `shards` holds the record `code` (FNV-1a of the code: stable across runs).
size_t ShardOf(absl::string_view code, size_t shards) {
  uint32_t h = 2166136261u;
  for (unsigned char c : code) h = (h ^ c) * 16777619u;
  return h % shards;
}

// Runs fn(i) for i in [0, n) on n threads (the calling thread takes 0); the first error.
absl::Status OnEachShard(size_t n, const std::function<absl::Status(size_t)>& fn) {
  std::vector<absl::Status> results(n);
  std::vector<std::thread> threads;
  for (size_t i = 1; i < n; ++i) threads.emplace_back([&, i] { results[i] = fn(i); });
  results[0] = fn(0);
  for (auto& t : threads) t.join();
  for (const auto& st : results) RETURN_IF_ERROR(st);
  return absl::OkStatus();
}

uint64_t DirSize(const fs::path& dir) {
  uint64_t total = 0;
  std::error_code ec;
  for (const auto& e : fs::recursive_directory_iterator(dir, ec)) {
    if (e.is_regular_file(ec)) total += e.file_size(ec);
  }
  return total;
}

}  // namespace

RecordIndex::RecordIndex(fs::path dir, std::unique_ptr<ChineseFolder> folder)
    : dir_(std::move(dir)), folder_(std::move(folder)) {}

absl::StatusOr<std::unique_ptr<RecordIndex>> RecordIndex::Open(const fs::path& dir) {
  ASSIGN_OR_RETURN(auto folder, ChineseFolder::Create());
  std::unique_ptr<RecordIndex> index(new RecordIndex(dir, std::move(folder)));
  absl::MutexLock w(&index->writer_mu_);
  absl::MutexLock r(&index->reader_mu_);
  RETURN_IF_ERROR(index->OpenDatabases());
  return index;
}

absl::Status RecordIndex::OpenDatabases() {
  const fs::path rebuild = fs::path(dir_.string() + ".rebuild");
  const fs::path old = fs::path(dir_.string() + ".old");
  std::error_code ec;
  try {
    // Finish a swap that a crash interrupted.
    if (fs::exists(rebuild)) {
      bool complete;
      {
        Xapian::Database rb(ShardPaths(rebuild).front().string());
        complete = rb.get_metadata(kRebuildCompleteKey) == "1";
      }
      if (complete) {
        if (fs::exists(dir_)) fs::rename(dir_, old);
        fs::rename(rebuild, dir_);
      }
    }
    if (fs::exists(old)) fs::remove_all(old, ec);
    fs::create_directories(dir_);
    writers_.clear();
    readers_.clear();
    for (const fs::path& shard : ShardPaths(dir_)) {
      writers_.emplace_back(shard.string(), Xapian::DB_CREATE_OR_OPEN);
      readers_.emplace_back(shard.string());
    }
    Xapian::WritableDatabase& first = writers_.front();
    if (first.get_doccount() == 0 && first.get_metadata(kSeqKey).empty() &&
        first.get_metadata(kFormatKey).empty()) {
      first.set_metadata(kFormatKey, absl::StrCat(kIndexFormat));  // a new index
      first.commit();
    }
  } catch (const Xapian::Error& e) {
    return XapianError(e, "open");
  } catch (const fs::filesystem_error& e) {
    return absl::InternalError(absl::StrCat("index open: ", e.what()));
  }
  return absl::OkStatus();
}

uint64_t RecordIndex::IndexedSeq() {
  absl::MutexLock lock(&writer_mu_);
  // Shards commit one after the other: the index has reached what every shard has.
  uint64_t reached = UINT64_MAX;
  try {
    for (const auto& w : writers_) {
      uint64_t seq = 0;
      (void)absl::SimpleAtoi(w.get_metadata(kSeqKey), &seq);
      reached = std::min(reached, seq);
    }
  } catch (const Xapian::Error&) {
    return 0;
  }
  return writers_.empty() ? 0 : reached;
}

uint32_t RecordIndex::Format() {
  absl::MutexLock lock(&writer_mu_);
  uint32_t format = 1;
  try {
    const std::string v = writers_.front().get_metadata(kFormatKey);
    if (!v.empty() && !absl::SimpleAtoi(v, &format)) format = 0;
  } catch (const Xapian::Error&) {
    return 0;
  }
  return format;
}

uint64_t RecordIndex::DocCount() {
  absl::MutexLock lock(&writer_mu_);
  uint64_t n = 0;
  try {
    for (const auto& w : writers_) n += w.get_doccount();
  } catch (const Xapian::Error&) {
    return 0;
  }
  return n;
}

uint64_t RecordIndex::SizeBytes() { return DirSize(dir_); }

Xapian::Document RecordIndex::MakeDocument(const Record& r) {
  Xapian::Document doc;
  uint32_t pos = 1;  // fields sharing a prefix are kept apart by a gap
  auto add_text = [&](const std::string& text, const char* prefix, Xapian::termcount wdf) {
    if (text.empty()) return;
    const auto tokens = Tokenize(folder_->Fold(text), pos);
    const std::string p(prefix);
    for (const auto& posting : IndexPostings(tokens)) {
      if (posting.positional) {
        doc.add_posting(p + posting.term, posting.pos, wdf);
      } else {
        doc.add_term(p + posting.term, wdf);
      }
    }
    pos = (tokens.empty() ? pos : tokens.back().pos) + kFieldGap;
  };
  add_text(r.title(), kTitlePrefix, 3);
  add_text(r.parallel_title(), kTitlePrefix, 2);
  add_text(r.responsible(), kResponsiblePrefix, 1);
  add_text(r.fonds_name(), kFondsPrefix, 1);
  add_text(r.fonds_number(), kFondsPrefix, 1);
  add_text(r.keywords(), kKeywordsPrefix, 2);
  add_text(PersonsText(r), kPersonsPrefix, 1);
  add_text(r.document_number(), kOtherPrefix, 1);
  add_text(r.summary(), kOtherPrefix, 1);
  add_text(r.notes(), kOtherPrefix, 1);
  add_text(r.full_text(), kFullTextPrefix, 1);

  doc.add_boolean_term(kIdPrefix + r.code());
  if (r.year() != 0) doc.add_boolean_term(absl::StrCat(kYearPrefix, r.year()));
  doc.add_boolean_term(absl::StrCat(kSecrecyPrefix, static_cast<int>(r.secrecy())));
  doc.add_boolean_term(absl::StrCat(kSharePrefix, static_cast<int>(r.share_class())));
  doc.add_boolean_term(absl::StrCat(kLivelihoodPrefix, static_cast<int>(r.livelihood())));
  for (const auto& p : r.persons()) {
    if (!p.id_hash().empty()) doc.add_boolean_term(kPersonPrefix + absl::BytesToHexString(p.id_hash()));
  }
  if (!r.date().empty()) doc.add_value(kDateSlot, r.date());
  Record shown = r;  // what hits and snippets need; the parsed code stays in the store
  shown.clear_reference();
  shown.clear_files();
  doc.set_data(shown.SerializeAsString());
  return doc;
}

absl::Status RecordIndex::Apply(const std::vector<IndexUpdate>& updates, uint64_t seq) {
  absl::MutexLock lock(&writer_mu_);
  // Each shard builds and writes its own documents on its own thread, and commits them with
  // the sequence reached (a crash between two shards' commits is caught up again, idempotently).
  const size_t shards = writers_.size();
  std::vector<std::vector<const IndexUpdate*>> mine(shards);
  for (const auto& u : updates) mine[ShardOf(u.code, shards)].push_back(&u);
  std::vector<Xapian::WritableDatabase>* writers = &writers_;  // held: writer_mu_
  return OnEachShard(shards, [&](size_t i) -> absl::Status {
    Xapian::WritableDatabase& w = (*writers)[i];
    try {
      for (const IndexUpdate* u : mine[i]) {
        const std::string id = kIdPrefix + u->code;
        if (u->record.has_value()) {
          w.replace_document(id, MakeDocument(*u->record));
        } else {
          w.delete_document(id);
        }
      }
      w.set_metadata(kSeqKey, absl::StrCat(seq));
      w.commit();
    } catch (const Xapian::Error& e) {
      return XapianError(e, "update");
    }
    return absl::OkStatus();
  });
}

absl::StatusOr<std::vector<Xapian::Query>> RecordIndex::BuildTiers(const SearchSpec& spec) {
  std::vector<Xapian::Query> tiers;
  if (spec.field == "code") {
    ASSIGN_OR_RETURN(Xapian::Query q, BuildQuery(spec, {}));
    tiers.push_back(std::move(q));
    return tiers;
  }
  ASSIGN_OR_RETURN(const std::vector<std::string> all, PrefixesFor(spec.field));
  // Nested: every part in a title, then anywhere the field allows.
  std::vector<std::vector<std::string>> nested;
  if (spec.field.empty() || spec.field == "any" || spec.field == "catalog") nested.push_back({kTitlePrefix});
  nested.push_back(all);
  for (const auto& prefixes : nested) {
    ASSIGN_OR_RETURN(Xapian::Query q, BuildQuery(spec, prefixes));
    tiers.push_back(std::move(q));
    if (absl::StripAsciiWhitespace(spec.query).empty()) break;  // filters only: one tier
  }
  return tiers;
}

absl::StatusOr<Xapian::Query> RecordIndex::BuildQuery(const SearchSpec& spec,
                                                      const std::vector<std::string>& prefixes) {
  std::vector<Xapian::Query> parts;
  if (spec.field == "code") {
    for (absl::string_view word : absl::StrSplit(spec.query, ' ', absl::SkipWhitespace())) {
      if (!word.empty() && word.back() == '*') {
        word.remove_suffix(1);
        parts.emplace_back(Xapian::Query::OP_WILDCARD, kIdPrefix + std::string(word));
      } else {
        parts.emplace_back(kIdPrefix + std::string(word));
      }
    }
  } else {
    const std::string folded = folder_->Fold(spec.query);
    for (absl::string_view word : absl::StrSplit(folded, ' ', absl::SkipWhitespace())) {
      for (const auto& run : ConsecutiveRuns(Tokenize(word))) {
        const std::vector<std::string> phrase = PhraseTerms(run);
        // The run must stand whole inside one field: a phrase per field, ORed.
        std::vector<Xapian::Query> per_field;
        for (const auto& prefix : prefixes) {
          std::vector<Xapian::Query> terms;
          for (const auto& t : phrase) terms.emplace_back(prefix + t);
          if (run.size() == 1 && run[0].han) {
            // One Han character: the terms that start with it (its bigrams, and itself where
            // it ends a run).
            per_field.emplace_back(Xapian::Query::OP_WILDCARD, prefix + run[0].text);
          } else if (terms.size() == 1) {
            per_field.push_back(terms.front());
          } else {
            per_field.emplace_back(Xapian::Query::OP_PHRASE, terms.begin(), terms.end(),
                                   terms.size());
          }
        }
        parts.emplace_back(Xapian::Query::OP_OR, per_field.begin(), per_field.end());
      }
    }
    if (parts.empty() && !absl::StripAsciiWhitespace(spec.query).empty()) {
      return absl::InvalidArgumentError(
          "query has no searchable characters (Han characters, letters or digits)");
    }
  }
  Xapian::Query q = parts.empty() ? Xapian::Query::MatchAll
                                  : Xapian::Query(Xapian::Query::OP_AND, parts.begin(), parts.end());
  std::vector<Xapian::Query> filters;
  if (spec.year != 0) filters.emplace_back(absl::StrCat(kYearPrefix, spec.year));
  if (!spec.person_hashes.empty()) {
    std::vector<Xapian::Query> any;
    for (const auto& h : spec.person_hashes) any.emplace_back(kPersonPrefix + absl::BytesToHexString(h));
    filters.emplace_back(Xapian::Query::OP_OR, any.begin(), any.end());
  }
  if (spec.secrecy) filters.emplace_back(absl::StrCat(kSecrecyPrefix, static_cast<int>(*spec.secrecy)));
  if (spec.share_class) {
    filters.emplace_back(absl::StrCat(kSharePrefix, static_cast<int>(*spec.share_class)));
  }
  if (spec.livelihood) {
    filters.emplace_back(absl::StrCat(kLivelihoodPrefix, static_cast<int>(*spec.livelihood)));
  }
  if (!spec.from_date.empty() || !spec.to_date.empty()) {
    if (spec.to_date.empty()) {
      filters.emplace_back(Xapian::Query::OP_VALUE_GE, kDateSlot, spec.from_date);
    } else if (spec.from_date.empty()) {
      filters.emplace_back(Xapian::Query::OP_VALUE_LE, kDateSlot, spec.to_date);
    } else {
      filters.emplace_back(Xapian::Query::OP_VALUE_RANGE, kDateSlot, spec.from_date, spec.to_date);
    }
  }
  if (filters.empty()) return q;
  return Xapian::Query(Xapian::Query::OP_FILTER, q,
                       Xapian::Query(Xapian::Query::OP_AND, filters.begin(), filters.end()));
}

SearchHit RecordIndex::MakeHit(const Record& r, const SearchSpec& spec, double score) {
  SearchHit hit;
  hit.code = r.code();
  hit.title = r.title();
  hit.score = score;
  hit.date = r.date();
  hit.responsible = r.responsible();
  // Needles: the query's consecutive runs, folded and joined as they would stand in text.
  std::vector<std::vector<char32_t>> needles;
  if (spec.field != "code") {
    const std::string folded = folder_->Fold(spec.query);
    for (absl::string_view word : absl::StrSplit(folded, ' ', absl::SkipWhitespace())) {
      for (const auto& run : ConsecutiveRuns(Tokenize(word))) {
        std::string s;
        for (const auto& t : run) s += t.text;
        needles.push_back(base::DecodeUtf8(s));
      }
    }
  }
  for (const auto& f : FieldsFor(spec.field == "code" ? "title" : spec.field, r)) {
    if (f.text.empty()) continue;
    const auto orig = base::DecodeUtf8(f.text);
    auto fold = base::DecodeUtf8(folder_->Fold(f.text));
    const bool aligned = fold.size() == orig.size();
    const auto& shown = aligned ? orig : fold;
    // Marks every needle occurrence in the text as it flows across lines (a mark may hold a
    // line break).
    std::vector<bool> marked(fold.size(), false);
    size_t first = fold.size();
    const FlowedText flowed = Flow(fold);
    for (const auto& n : needles) {
      for (const FlowMatch& m : FindFlowed(flowed, n)) {
        for (size_t k = m.first; k <= m.last; ++k) marked[k] = true;
        first = std::min<size_t>(first, m.first);
      }
    }
    if (first == fold.size()) {
      if (!needles.empty()) continue;
      first = 0;
    }
    const size_t begin = first > 20 ? first - 20 : 0;
    const size_t end = std::min(shown.size(), first + 60);
    std::string s = begin > 0 ? "…" : "";
    for (size_t i = begin; i < end; ++i) {
      if (marked[i] && (i == begin || !marked[i - 1])) s += "【";
      char32_t cp = shown[i];
      if (cp == '\n' || cp == '\r' || cp == '\t') cp = ' ';
      base::AppendUtf8(cp, &s);
      if (marked[i] && (i + 1 == end || !marked[i + 1])) s += "】";
    }
    if (end < shown.size()) s += "…";
    hit.snippet = std::move(s);
    hit.matched_field = f.name;
    if (f.name == "full_text" && r.page_starts_size() > 0) {
      const auto it = std::upper_bound(r.page_starts().begin(), r.page_starts().end(),
                                       static_cast<uint32_t>(first));
      hit.page = static_cast<uint32_t>(it - r.page_starts().begin());
    }
    break;
  }
  return hit;
}

absl::StatusOr<SearchResults> RecordIndex::Search(const SearchSpec& spec) {
  ASSIGN_OR_RETURN(const std::vector<Xapian::Query> tiers, BuildTiers(spec));
  const uint32_t limit = spec.limit == 0 ? 10 : std::min<uint32_t>(spec.limit, 1000);
  std::vector<std::pair<Record, double>> found;
  SearchResults results;
  {
    absl::MutexLock lock(&reader_mu_);
    std::vector<Xapian::Database>* readers = &readers_;  // held: reader_mu_
    for (int attempt = 0;; ++attempt) {
      try {
        for (auto& r : *readers) r.reopen();
        found.clear();
        results.total = 0;
        // Tier by tier, each without the documents of the tier before (which it contains). A
        // boolean match in document order stops as soon as it holds offset + limit documents,
        // so a phrase that is in a sixth of the corpus costs no more than a rare one. Each
        // shard is matched on its own thread; their documents are merged in document order.
        uint32_t skip = spec.offset;
        for (size_t t = 0; t < tiers.size(); ++t) {
          // Xapian's query objects share reference counts: each shard's thread gets its own.
          const std::string q =
              (t == 0 ? tiers[t] : Xapian::Query(Xapian::Query::OP_AND_NOT, tiers[t], tiers[t - 1]))
                  .serialise();
          const uint32_t want = limit - static_cast<uint32_t>(found.size());
          const uint32_t enough = want == 0 ? 0 : skip + want;
          std::vector<Xapian::MSet> msets(readers->size());
          std::vector<Xapian::doccount> estimates(readers->size());
          const absl::Status matched = OnEachShard(readers->size(), [&](size_t i) -> absl::Status {
            try {
              Xapian::Enquire enquire((*readers)[i]);
              enquire.set_query(Xapian::Query::unserialise(q));
              enquire.set_weighting_scheme(Xapian::BoolWeight());
              enquire.set_docid_order(Xapian::Enquire::ASCENDING);
              const Xapian::doccount counted = enough == 0 ? 0 : std::max(enough, kCountedExactly);
              msets[i] = enquire.get_mset(0, enough, counted);
              estimates[i] = msets[i].get_matches_estimated();
              if (counted > 0 && msets[i].get_matches_lower_bound() >= counted) {
                // Stopped early: the estimate from term statistics, without reading postings.
                estimates[i] = std::max(estimates[i], enquire.get_mset(0, 0).get_matches_estimated());
              }
            } catch (const Xapian::DatabaseModifiedError&) {
              return absl::AbortedError("modified");
            } catch (const Xapian::Error& e) {
              return XapianError(e, "search");
            }
            return absl::OkStatus();
          });
          if (absl::IsAborted(matched)) throw Xapian::DatabaseModifiedError("modified during search");
          RETURN_IF_ERROR(matched);
          std::vector<std::pair<Xapian::docid, Xapian::MSetIterator>> merged;
          uint64_t counted = 0;
          for (size_t i = 0; i < msets.size(); ++i) {
            const Xapian::MSet& m = msets[i];
            results.total += estimates[i];
            counted += m.get_matches_lower_bound();
            for (auto it = m.begin(); it != m.end(); ++it) merged.emplace_back(*it, it);
          }
          std::stable_sort(merged.begin(), merged.end(),
                           [](const auto& a, const auto& b) { return a.first < b.first; });
          const double score = static_cast<double>(tiers.size() - t);
          for (size_t k = skip; k < merged.size() && found.size() < limit; ++k) {
            Record r;
            r.ParseFromString(merged[k].second.get_document().get_data());
            found.emplace_back(std::move(r), score);
          }
          // At least `enough` were checked on each shard: fewer matches were counted exactly.
          skip -= static_cast<uint32_t>(std::min<uint64_t>(skip, counted));
        }
        break;
      } catch (const Xapian::DatabaseModifiedError&) {
        if (attempt >= 3) return absl::UnavailableError("index busy: modified during search");
      } catch (const Xapian::Error& e) {
        return XapianError(e, "search");
      }
    }
  }
  for (const auto& [r, score] : found) results.hits.push_back(MakeHit(r, spec, score));
  return results;
}

absl::Status RecordIndex::Rebuild(RecordSource* source,
                                  const std::function<void(uint64_t, uint64_t, bool)>& progress,
                                  const std::atomic<bool>* cancel) {
  const fs::path rebuild = fs::path(dir_.string() + ".rebuild");
  bool cancelled = false;
  try {
    const std::string format = absl::StrCat(kIndexFormat);
    std::error_code ec;
    if (fs::exists(rebuild, ec)) {
      // A rebuild interrupted under another index format cannot be resumed: start again.
      bool other_format;
      {
        Xapian::Database rb(ShardPaths(rebuild).front().string());
        other_format = rb.get_metadata(kFormatKey) != format;
      }
      if (other_format) fs::remove_all(rebuild, ec);
    }
    fs::create_directories(rebuild);
    std::vector<Xapian::WritableDatabase> shards;
    for (int i = 0; i < kShards; ++i) {
      shards.emplace_back((rebuild / absl::StrCat("shard-", i)).string(), Xapian::DB_CREATE_OR_OPEN);
    }
    // Shard 0 holds the rebuild's state and commits last: what it says was written, was.
    Xapian::WritableDatabase& first = shards.front();
    first.set_metadata(kFormatKey, format);
    const bool resumed = !first.get_metadata(kRebuildSeqKey).empty();
    uint64_t seq = source->Seq();
    if (resumed) {
      (void)absl::SimpleAtoi(first.get_metadata(kRebuildSeqKey), &seq);
    } else {
      first.set_metadata(kRebuildSeqKey, absl::StrCat(seq));
    }
    std::string last = first.get_metadata(kRebuildLastKey);
    uint64_t done = 0;
    for (const auto& w : shards) done += w.get_doccount();
    const uint64_t total = std::max<uint64_t>(source->Count(), done);
    progress(done, total, resumed);
    std::vector<std::vector<Record>> batch(shards.size());
    uint64_t pending = 0;
    auto flush = [&](bool finished) -> absl::Status {
      RETURN_IF_ERROR(OnEachShard(shards.size(), [&](size_t i) -> absl::Status {
        try {
          for (const Record& r : batch[i]) shards[i].replace_document(kIdPrefix + r.code(), MakeDocument(r));
          if (finished) shards[i].set_metadata(kSeqKey, absl::StrCat(seq));
          if (i != 0) shards[i].commit();
        } catch (const Xapian::Error& e) {
          return XapianError(e, "rebuild");
        }
        batch[i].clear();
        return absl::OkStatus();
      }));
      first.set_metadata(kRebuildLastKey, last);
      if (finished) first.set_metadata(kRebuildCompleteKey, "1");
      first.commit();
      pending = 0;
      return absl::OkStatus();
    };
    absl::Status failed;
    absl::Status st = source->ForEachAfter(last, [&](const Record& r) {
      batch[ShardOf(r.code(), shards.size())].push_back(r);
      last = r.code();
      ++done;
      if (++pending >= kRebuildBatch) {
        failed = flush(false);
        if (!failed.ok()) return false;
        progress(done, total, resumed);
        if (cancel != nullptr && cancel->load()) {
          cancelled = true;
          return false;
        }
      }
      return true;
    });
    RETURN_IF_ERROR(st);
    RETURN_IF_ERROR(failed);
    if (cancelled) {
      return absl::CancelledError(
          absl::StrCat("reindex interrupted after ", done, " records; run it again to resume"));
    }
    RETURN_IF_ERROR(flush(true));
    for (auto& w : shards) w.close();
    progress(done, total, resumed);
  } catch (const Xapian::Error& e) {
    return XapianError(e, "rebuild");
  } catch (const fs::filesystem_error& e) {
    return absl::InternalError(absl::StrCat("index rebuild: ", e.what()));
  }
  absl::MutexLock wl(&writer_mu_);
  absl::MutexLock rl(&reader_mu_);
  try {
    writers_.clear();
    readers_.clear();
  } catch (const Xapian::Error& e) {
    return XapianError(e, "close for swap");
  }
  if (absl::Status st = OpenDatabases(); !st.ok()) {
    // Keep the index usable whatever the swap left: reopen what stands at dir_.
    try {
      writers_.clear();
      readers_.clear();
      for (const fs::path& shard : ShardPaths(dir_)) {
        writers_.emplace_back(shard.string(), Xapian::DB_CREATE_OR_OPEN);
        readers_.emplace_back(shard.string());
      }
    } catch (const Xapian::Error& e) {
      return XapianError(e, "reopen after failed swap");
    }
    return st;
  }
  return absl::OkStatus();
}

}  // namespace kuaguan::index
