#include "absl/strings/string_view.h"
#include "index/record_index.h"

#include <algorithm>
#include <future>
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
        Xapian::Database rb(rebuild.string());
        complete = rb.get_metadata(kRebuildCompleteKey) == "1";
      }
      if (complete) {
        if (fs::exists(dir_)) fs::rename(dir_, old);
        fs::rename(rebuild, dir_);
      }
    }
    if (fs::exists(old)) fs::remove_all(old, ec);
    writer_.emplace(dir_.string(), Xapian::DB_CREATE_OR_OPEN);
    if (writer_->get_doccount() == 0 && writer_->get_metadata(kSeqKey).empty() &&
        writer_->get_metadata(kFormatKey).empty()) {
      writer_->set_metadata(kFormatKey, absl::StrCat(kIndexFormat));  // a new index
      writer_->commit();
    }
    reader_.emplace(dir_.string());
  } catch (const Xapian::Error& e) {
    return XapianError(e, "open");
  } catch (const fs::filesystem_error& e) {
    return absl::InternalError(absl::StrCat("index open: ", e.what()));
  }
  return absl::OkStatus();
}

uint64_t RecordIndex::IndexedSeq() {
  absl::MutexLock lock(&writer_mu_);
  uint64_t seq = 0;
  try {
    (void)absl::SimpleAtoi(writer_->get_metadata(kSeqKey), &seq);
  } catch (const Xapian::Error&) {
    return 0;
  }
  return seq;
}

uint32_t RecordIndex::Format() {
  absl::MutexLock lock(&writer_mu_);
  uint32_t format = 1;
  try {
    const std::string v = writer_->get_metadata(kFormatKey);
    if (!v.empty() && !absl::SimpleAtoi(v, &format)) format = 0;
  } catch (const Xapian::Error&) {
    return 0;
  }
  return format;
}

uint64_t RecordIndex::DocCount() {
  absl::MutexLock lock(&writer_mu_);
  try {
    return writer_->get_doccount();
  } catch (const Xapian::Error&) {
    return 0;
  }
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
  // Documents are built on a second thread, a block ahead of the single Xapian writer.
  constexpr size_t kBlock = 1000;
  using Block = std::vector<std::optional<Xapian::Document>>;
  auto build = [this, &updates](size_t begin) {
    Block docs;
    for (size_t i = begin; i < std::min(begin + kBlock, updates.size()); ++i) {
      if (updates[i].record.has_value()) {
        docs.emplace_back(MakeDocument(*updates[i].record));
      } else {
        docs.emplace_back(std::nullopt);
      }
    }
    return docs;
  };
  absl::MutexLock lock(&writer_mu_);
  try {
    std::future<Block> next = std::async(std::launch::async, build, 0);
    for (size_t begin = 0; begin < updates.size(); begin += kBlock) {
      Block docs = next.get();
      if (begin + kBlock < updates.size()) {
        next = std::async(std::launch::async, build, begin + kBlock);
      }
      for (size_t i = 0; i < docs.size(); ++i) {
        const std::string id = kIdPrefix + updates[begin + i].code;
        if (docs[i].has_value()) {
          writer_->replace_document(id, *docs[i]);
        } else {
          writer_->delete_document(id);
        }
      }
    }
    writer_->set_metadata(kSeqKey, absl::StrCat(seq));
    writer_->commit();
  } catch (const Xapian::Error& e) {
    return XapianError(e, "update");
  }
  return absl::OkStatus();
}

absl::StatusOr<Xapian::Query> RecordIndex::BuildQuery(const SearchSpec& spec) {
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
    ASSIGN_OR_RETURN(const std::vector<std::string> prefixes, PrefixesFor(spec.field));
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
  ASSIGN_OR_RETURN(const Xapian::Query query, BuildQuery(spec));
  const uint32_t limit = spec.limit == 0 ? 10 : std::min<uint32_t>(spec.limit, 1000);
  std::vector<std::pair<Record, double>> found;
  SearchResults results;
  {
    absl::MutexLock lock(&reader_mu_);
    for (int attempt = 0;; ++attempt) {
      try {
        reader_->reopen();
        Xapian::Enquire enquire(*reader_);
        enquire.set_query(query);
        const Xapian::MSet mset = enquire.get_mset(spec.offset, limit);
        results.total = mset.get_matches_estimated();
        found.clear();
        for (auto it = mset.begin(); it != mset.end(); ++it) {
          Record r;
          r.ParseFromString(it.get_document().get_data());
          found.emplace_back(std::move(r), it.get_weight());
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
  const fs::path old = fs::path(dir_.string() + ".old");
  bool cancelled = false;
  try {
    const std::string format = absl::StrCat(kIndexFormat);
    std::error_code ec;
    if (fs::exists(rebuild, ec)) {
      // A rebuild interrupted under another index format cannot be resumed: start again.
      bool other_format;
      {
        Xapian::Database rb(rebuild.string());
        other_format = rb.get_metadata(kFormatKey) != format;
      }
      if (other_format) fs::remove_all(rebuild, ec);
    }
    Xapian::WritableDatabase w(rebuild.string(), Xapian::DB_CREATE_OR_OPEN);
    w.set_metadata(kFormatKey, format);
    const bool resumed = !w.get_metadata(kRebuildSeqKey).empty();
    uint64_t seq = source->Seq();
    if (resumed) {
      (void)absl::SimpleAtoi(w.get_metadata(kRebuildSeqKey), &seq);
    } else {
      w.set_metadata(kRebuildSeqKey, absl::StrCat(seq));
    }
    std::string last = w.get_metadata(kRebuildLastKey);
    uint64_t done = w.get_doccount();
    const uint64_t total = std::max<uint64_t>(source->Count(), done);
    uint64_t pending = 0;
    progress(done, total, resumed);
    absl::Status st = source->ForEachAfter(last, [&](const Record& r) {
      w.replace_document(kIdPrefix + r.code(), MakeDocument(r));
      last = r.code();
      ++done;
      if (++pending >= kRebuildBatch) {
        w.set_metadata(kRebuildLastKey, last);
        w.commit();
        pending = 0;
        progress(done, total, resumed);
        if (cancel != nullptr && cancel->load()) {
          cancelled = true;
          return false;
        }
      }
      return true;
    });
    RETURN_IF_ERROR(st);
    w.set_metadata(kRebuildLastKey, last);
    if (cancelled) {
      w.commit();
      return absl::CancelledError(
          absl::StrCat("reindex interrupted after ", done, " records; run it again to resume"));
    }
    w.set_metadata(kSeqKey, absl::StrCat(seq));
    w.set_metadata(kRebuildCompleteKey, "1");
    w.commit();
    w.close();
    progress(done, total, resumed);
  } catch (const Xapian::Error& e) {
    return XapianError(e, "rebuild");
  }
  absl::MutexLock wl(&writer_mu_);
  absl::MutexLock rl(&reader_mu_);
  try {
    writer_.reset();
    reader_.reset();
  } catch (const Xapian::Error& e) {
    return XapianError(e, "close for swap");
  }
  if (absl::Status st = OpenDatabases(); !st.ok()) {
    // Keep the index usable whatever the swap left: reopen what stands at dir_.
    try {
      writer_.emplace(dir_.string(), Xapian::DB_CREATE_OR_OPEN);
      reader_.emplace(dir_.string());
    } catch (const Xapian::Error& e) {
      return XapianError(e, "reopen after failed swap");
    }
    return st;
  }
  return absl::OkStatus();
}

}  // namespace kuaguan::index
