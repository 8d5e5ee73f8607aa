#include "proto/record_fields.h"

#include "absl/strings/string_view.h"

#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "base/status_macros.h"
#include "base/utf8.h"

namespace kuaguan::proto {
namespace {

using kuaguan::v1::Record;

constexpr size_t kMaxShort = 500;       // code points, most fields
constexpr size_t kMaxTitle = 1000;      // code points, 题名 and 并列题名
constexpr size_t kMaxSummary = 20000;   // code points, 摘要
constexpr size_t kMaxFullText = 8 << 20;  // bytes, 全文

// One enum value with its canonical Chinese label and other accepted spellings.
template <typename E>
struct Label {
  E value;
  absl::string_view chinese;
  std::vector<absl::string_view> aliases;
};

const std::vector<Label<v1::Secrecy>>& SecrecyLabels() {
  static const auto* t = new std::vector<Label<v1::Secrecy>>{
      {v1::SECRECY_PUBLIC, "公开", {"public", "非密", "无"}},
      {v1::SECRECY_RESTRICTED, "限制", {"restricted", "内部"}},
      {v1::SECRECY_SECRET, "秘密", {"secret"}},
      {v1::SECRECY_CONFIDENTIAL, "机密", {"confidential"}},
      {v1::SECRECY_TOP_SECRET, "绝密", {"top-secret", "top_secret"}},
  };
  return *t;
}

const std::vector<Label<v1::ShareClass>>& ShareLabels() {
  static const auto* t = new std::vector<Label<v1::ShareClass>>{
      {v1::SHARE_CLASS_UNCONDITIONAL, "无条件共享", {"unconditional", "无条件"}},
      {v1::SHARE_CLASS_CONDITIONAL, "有条件共享", {"conditional", "有条件", "授权", "授权共享"}},
      {v1::SHARE_CLASS_NOT_SHARED,
       "暂不共享",
       {"not-shared", "not_shared", "none", "不予共享", "非共享", "暂不", "不共享"}},
  };
  return *t;
}

const std::vector<Label<v1::OpenStatus>>& OpenLabels() {
  static const auto* t = new std::vector<Label<v1::OpenStatus>>{
      {v1::OPEN_STATUS_OPEN, "开放", {"open"}},
      {v1::OPEN_STATUS_CONTROLLED, "控制", {"controlled", "未开放"}},
  };
  return *t;
}

const std::vector<Label<v1::Retention>>& RetentionLabels() {
  static const auto* t = new std::vector<Label<v1::Retention>>{
      {v1::RETENTION_PERMANENT, "永久", {"Y", "permanent"}},
      {v1::RETENTION_30_YEARS, "定期30年", {"D30", "30年"}},
      {v1::RETENTION_10_YEARS, "定期10年", {"D10", "10年"}},
      {v1::RETENTION_LONG, "长期", {"C", "long"}},
      {v1::RETENTION_SHORT, "短期", {"D", "short"}},
  };
  return *t;
}

const std::vector<Label<v1::LivelihoodCategory>>& LivelihoodLabels() {
  static const auto* t = new std::vector<Label<v1::LivelihoodCategory>>{
      {v1::LIVELIHOOD_MARRIAGE, "婚姻登记", {"婚姻", "marriage"}},
      {v1::LIVELIHOOD_SCHOOL, "学籍学历", {"学籍", "学历", "school"}},
      {v1::LIVELIHOOD_ONLY_CHILD, "独生子女", {"only-child", "only_child"}},
      {v1::LIVELIHOOD_SERVICE_YEARS, "工龄", {"service-years", "service_years"}},
      {v1::LIVELIHOOD_PROFESSIONAL_TITLE, "职称", {"professional-title", "professional_title"}},
      {v1::LIVELIHOOD_AWARD, "奖励", {"award"}},
      {v1::LIVELIHOOD_RETIREMENT, "退休", {"retirement"}},
      {v1::LIVELIHOOD_LAND_PROPERTY, "土地房产", {"土地", "房产", "land-property", "land_property"}},
      {v1::LIVELIHOOD_NONE, "无", {"none"}},
  };
  return *t;
}

template <typename E>
absl::StatusOr<E> ParseLabel(const std::vector<Label<E>>& labels, absl::string_view v,
                             absl::string_view what) {
  const absl::string_view s = absl::StripAsciiWhitespace(v);
  for (const auto& l : labels) {
    if (s == l.chinese) return l.value;
    for (auto a : l.aliases) {
      if (absl::EqualsIgnoreCase(s, a)) return l.value;
    }
  }
  std::vector<std::string> accepted;
  for (const auto& l : labels) accepted.push_back(std::string(l.chinese));
  return absl::InvalidArgumentError(absl::StrCat("unknown ", what, " (accepted: ",
                                                 absl::StrJoin(accepted, ", "), ")"));
}

template <typename E>
std::string LabelOf(const std::vector<Label<E>>& labels, E v) {
  for (const auto& l : labels) {
    if (l.value == v) return std::string(l.chinese);
  }
  return "";
}

// Checks length and control characters of a text value.
absl::Status CheckText(absl::string_view v, size_t max_code_points, bool multiline) {
  const size_t n = base::CodePointCount(v);
  if (n > max_code_points) {
    return absl::InvalidArgumentError(
        absl::StrCat("too long: ", n, " characters (at most ", max_code_points, ")"));
  }
  for (char32_t cp : base::DecodeUtf8(v)) {
    const bool allowed_break = multiline && (cp == '\n' || cp == '\r');
    if (((cp < 0x20 && cp != '\t') || cp == 0x7F || (cp >= 0x80 && cp < 0xA0)) &&
        !allowed_break) {
      return absl::InvalidArgumentError(absl::StrCat(
          "contains control character U+", absl::Hex(static_cast<uint32_t>(cp), absl::kZeroPad4)));
    }
  }
  return absl::OkStatus();
}

template <std::string* (Record::*Mutable)()>
absl::Status SetText(absl::string_view v, Record* r, size_t max, bool multiline = false) {
  const absl::string_view s = multiline ? v : absl::StripAsciiWhitespace(v);
  if (multiline && s.size() > kMaxFullText) {
    return absl::InvalidArgumentError(
        absl::StrCat("too long: ", s.size(), " bytes (at most ", kMaxFullText, ")"));
  }
  RETURN_IF_ERROR(CheckText(s, max, multiline));
  *(r->*Mutable)() = std::string(s);
  return absl::OkStatus();
}

bool IsLeap(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

absl::Status SetYear(absl::string_view v, Record* r) {
  absl::string_view s = absl::StripAsciiWhitespace(v);
  if (s.empty()) {
    r->set_year(0);
    return absl::OkStatus();
  }
  absl::ConsumeSuffix(&s, "年");
  int y = 0;
  if (!absl::SimpleAtoi(s, &y) || s.size() != 4) {
    return absl::InvalidArgumentError("not a four-digit year");
  }
  if (y < 1000 || y > 2100) return absl::InvalidArgumentError("year out of range 1000-2100");
  r->set_year(y);
  return absl::OkStatus();
}

absl::Status SetPages(absl::string_view v, Record* r) {
  const absl::string_view s = absl::StripAsciiWhitespace(v);
  int n = 0;
  if (s.empty()) {
    r->set_pages(0);
    return absl::OkStatus();
  }
  if (!absl::SimpleAtoi(s, &n) || n < 0 || n > 1000000) {
    return absl::InvalidArgumentError("not a page count (0-1000000)");
  }
  r->set_pages(n);
  return absl::OkStatus();
}

std::string JoinPersons(const Record& r) {
  std::vector<std::string> names;
  for (const auto& p : r.persons()) names.push_back(p.name());
  return absl::StrJoin(names, "；");
}

absl::Status SetPersons(absl::string_view v, Record* r) {
  if (absl::Status st = CheckText(v, kMaxShort * 4, false); !st.ok()) return st;
  // Keep the keyed identity hashes of persons already known by name.
  std::vector<v1::Person> old(r->persons().begin(), r->persons().end());
  r->clear_persons();
  const std::string norm = absl::StrReplaceAll(v, {{"；", ";"}, {"、", ";"}, {"，", ";"}});
  for (absl::string_view name : absl::StrSplit(norm, ';', absl::SkipWhitespace())) {
    auto* p = r->add_persons();
    p->set_name(std::string(absl::StripAsciiWhitespace(name)));
    for (const auto& o : old) {
      if (o.name() == p->name()) p->set_id_hash(o.id_hash());
    }
  }
  return absl::OkStatus();
}

#define TEXT_FIELD(key, zh, aliases, member, max)                                     \
  CatalogField {                                                                      \
    key, zh, aliases,                                                                 \
        [](absl::string_view v, Record* r) {                                           \
          return SetText<&Record::mutable_##member>(v, r, max);                      \
        },                                                                            \
        [](const Record& r) { return r.member(); }                                   \
  }

#define ENUM_FIELD(key, zh, aliases, member, labels, what, label_fn)                            \
  CatalogField {                                                                      \
    key, zh, aliases,                                                                 \
        [](absl::string_view v, Record* r) -> absl::Status {                          \
          if (absl::StripAsciiWhitespace(v).empty()) {                                \
            r->clear_##member();                                                      \
            return absl::OkStatus();                                                  \
          }                                                                           \
          auto e = ParseLabel(labels(), v, what);                                     \
          if (!e.ok()) return e.status();                                             \
          r->set_##member(*e);                                                        \
          return absl::OkStatus();                                                    \
        },                                                                            \
        [](const Record& r) { return label_fn(r.member()); }                         \
  }

using Aliases = std::vector<absl::string_view>;

}  // namespace

const std::vector<CatalogField>& CatalogFields() {
  static const auto* fields = new std::vector<CatalogField>{
      TEXT_FIELD("code", "档号", (Aliases{"reference_code", "reference code"}), code, 100),
      TEXT_FIELD("title", "题名", (Aliases{"题名（标题）", "标题"}), title, kMaxTitle),
      TEXT_FIELD("responsible", "责任者", (Aliases{"author"}), responsible, kMaxShort),
      CatalogField{"date", "日期", {"形成日期", "成文日期"},
                   [](absl::string_view v, Record* r) -> absl::Status {
                     if (absl::StripAsciiWhitespace(v).empty()) {
                       r->clear_date();
                       return absl::OkStatus();
                     }
                     auto d = NormalizeDate(v);
                     if (!d.ok()) return d.status();
                     r->set_date(*d);
                     return absl::OkStatus();
                   },
                   [](const Record& r) { return r.date(); }},
      CatalogField{"year", "年度", {}, SetYear,
                   [](const Record& r) {
                     return r.year() == 0 ? std::string() : absl::StrCat(r.year());
                   }},
      ENUM_FIELD("retention", "保管期限", (Aliases{}), retention, RetentionLabels, "retention",
                 RetentionLabel),
      ENUM_FIELD("secrecy", "密级", (Aliases{}), secrecy, SecrecyLabels, "secrecy level",
                 SecrecyLabel),
      ENUM_FIELD("share_class", "共享类别", (Aliases{"共享类型", "共享属性"}), share_class,
                 ShareLabels, "share class", ShareClassLabel),
      ENUM_FIELD("text_share_class", "全文共享类别", (Aliases{"全文共享类型"}), text_share_class,
                 ShareLabels, "full-text share class", ShareClassLabel),
      ENUM_FIELD("open_status", "控制标识", (Aliases{"开放状态", "开放标识"}), open_status,
                 OpenLabels, "open status", OpenStatusLabel),
      ENUM_FIELD("livelihood", "民生类别", (Aliases{"民生档案类别"}), livelihood,
                 LivelihoodLabels, "livelihood category", LivelihoodLabel),
      TEXT_FIELD("archive_code", "档案馆代码", (Aliases{}), archive_code, 50),
      TEXT_FIELD("fonds_number", "全宗号", (Aliases{}), fonds_number, 50),
      TEXT_FIELD("fonds_name", "全宗名称", (Aliases{"立档单位名称"}), fonds_name, kMaxShort),
      TEXT_FIELD("aggregation", "聚合层次", (Aliases{}), aggregation, 20),
      TEXT_FIELD("item_number", "件号", (Aliases{}), item_number, 50),
      TEXT_FIELD("document_number", "文件编号", (Aliases{"文号"}), document_number, kMaxShort),
      TEXT_FIELD("secrecy_period", "保密期限", (Aliases{}), secrecy_period, 50),
      CatalogField{"persons", "人名", {"persons_concerned", "当事人"}, SetPersons, JoinPersons},
      TEXT_FIELD("keywords", "主题词", (Aliases{"关键词"}), keywords, kMaxShort),
      TEXT_FIELD("parallel_title", "并列题名", (Aliases{}), parallel_title, kMaxTitle),
      TEXT_FIELD("doc_type", "文种", (Aliases{}), doc_type, 50),
      CatalogField{"pages", "页数", {}, SetPages,
                   [](const Record& r) {
                     return r.pages() == 0 ? std::string() : absl::StrCat(r.pages());
                   }},
      TEXT_FIELD("language", "语种", (Aliases{}), language, 50),
      TEXT_FIELD("location", "存储位置", (Aliases{}), location, kMaxShort),
      TEXT_FIELD("notes", "附注", (Aliases{"备注"}), notes, kMaxShort * 4),
      CatalogField{"summary", "摘要", {},
                   [](absl::string_view v, Record* r) {
                     return SetText<&Record::mutable_summary>(v, r, kMaxSummary);
                   },
                   [](const Record& r) { return r.summary(); }},
      CatalogField{"full_text", "全文", {"fulltext", "text"},
                   [](absl::string_view v, Record* r) {
                     return SetText<&Record::mutable_full_text>(v, r, kMaxFullText, true);
                   },
                   [](const Record& r) { return r.full_text(); }},
  };
  return *fields;
}

const CatalogField* FindCatalogField(absl::string_view name) {
  const absl::string_view n = absl::StripAsciiWhitespace(name);
  for (const auto& f : CatalogFields()) {
    if (absl::EqualsIgnoreCase(n, f.key) || n == f.chinese) return &f;
    for (auto a : f.aliases) {
      if (absl::EqualsIgnoreCase(n, a)) return &f;
    }
  }
  return nullptr;
}

absl::Status SetExtraField(const std::string& column, absl::string_view value, Record* record) {
  const absl::string_view v = absl::StripAsciiWhitespace(value);
  RETURN_IF_ERROR(CheckText(v, kMaxShort * 4, false));
  if (v.empty()) {
    record->mutable_extra()->erase(column);
  } else {
    (*record->mutable_extra())[column] = std::string(v);
  }
  return absl::OkStatus();
}

bool IsIgnoredColumn(absl::string_view name) {
  const absl::string_view n = absl::StripAsciiWhitespace(name);
  return n == "序号" || n == kRejectReasonColumn || absl::EqualsIgnoreCase(n, "no") ||
         absl::EqualsIgnoreCase(n, "row");
}

absl::StatusOr<std::string> NormalizeDate(absl::string_view value) {
  const absl::string_view s = absl::StripAsciiWhitespace(value);
  std::vector<std::string> nums;
  std::string cur;
  bool chinese = false;
  bool ended = false;
  for (char32_t cp : base::DecodeUtf8(s)) {
    if (ended) {
      return absl::InvalidArgumentError(
          "not a single date: text after 日 (a date range belongs in two fields)");
    }
    if (cp >= '0' && cp <= '9') {
      cur.push_back(static_cast<char>(cp));
      continue;
    }
    if (cp == '-' || cp == '/' || cp == '.' || cp == U'年' || cp == U'月' || cp == U'日') {
      chinese |= cp == U'年' || cp == U'月' || cp == U'日';
      if (cur.empty()) break;
      nums.push_back(cur);
      cur.clear();
      ended = cp == U'日';
      continue;
    }
    return absl::InvalidArgumentError(
        "not a date (use YYYYMMDD, YYYY-MM-DD or YYYY年M月D日)");
  }
  if (!cur.empty()) nums.push_back(cur);
  int y = 0, m = 0, d = 0;
  if (nums.size() == 1 && nums[0].size() == 8) {
    (void)absl::SimpleAtoi(nums[0].substr(0, 4), &y);
    (void)absl::SimpleAtoi(nums[0].substr(4, 2), &m);
    (void)absl::SimpleAtoi(nums[0].substr(6, 2), &d);
  } else if (nums.size() == 3 && nums[0].size() == 4 && nums[1].size() <= 2 &&
             nums[2].size() <= 2 && (chinese || s.find_first_of("-/.") != std::string::npos)) {
    (void)absl::SimpleAtoi(nums[0], &y);
    (void)absl::SimpleAtoi(nums[1], &m);
    (void)absl::SimpleAtoi(nums[2], &d);
  } else {
    return absl::InvalidArgumentError(
        "not a date (use YYYYMMDD, YYYY-MM-DD or YYYY年M月D日)");
  }
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (y < 1000 || y > 2100) return absl::InvalidArgumentError("date's year out of range 1000-2100");
  if (m < 1 || m > 12) return absl::InvalidArgumentError("no such month");
  const int max_day = kDays[m - 1] + (m == 2 && IsLeap(y) ? 1 : 0);
  if (d < 1 || d > max_day) return absl::InvalidArgumentError("no such day in that month");
  return absl::StrFormat("%04d%02d%02d", y, m, d);
}


std::string SecrecyLabel(v1::Secrecy v) { return LabelOf(SecrecyLabels(), v); }
std::string ShareClassLabel(v1::ShareClass v) { return LabelOf(ShareLabels(), v); }
std::string RetentionLabel(v1::Retention v) { return LabelOf(RetentionLabels(), v); }
std::string LivelihoodLabel(v1::LivelihoodCategory v) {
  return v == v1::LIVELIHOOD_NONE ? std::string() : LabelOf(LivelihoodLabels(), v);
}
std::string OpenStatusLabel(v1::OpenStatus v) { return LabelOf(OpenLabels(), v); }

absl::StatusOr<v1::Secrecy> ParseSecrecy(absl::string_view v) {
  return ParseLabel(SecrecyLabels(), v, "secrecy level");
}
absl::StatusOr<v1::ShareClass> ParseShareClass(absl::string_view v) {
  return ParseLabel(ShareLabels(), v, "share class");
}
absl::StatusOr<v1::Retention> ParseRetention(absl::string_view v) {
  return ParseLabel(RetentionLabels(), v, "retention");
}

absl::StatusOr<v1::LivelihoodCategory> ParseLivelihood(absl::string_view v) {
  return ParseLabel(LivelihoodLabels(), v, "livelihood category");
}

}  // namespace kuaguan::proto
