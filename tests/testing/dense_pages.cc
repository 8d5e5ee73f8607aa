#include "tests/testing/dense_pages.h"

#include <algorithm>
#include <cmath>
#include <random>
#include <set>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "base/utf8.h"

namespace kuaguan::testing {

namespace {

constexpr double kPtPerMm = 72.0 / 25.4;

struct Unit {
  const char* name;
  const char* city;
  const char* abbr;  // of document numbers, e.g. 郑档发
};

constexpr Unit kUnits[] = {
    {"郑州市档案局", "郑州市", "郑档发"},
    {"开封市人民政府办公室", "开封市", "汴政办"},
    {"洛阳市民政局", "洛阳市", "洛民文"},
    {"河南省档案馆", "河南省", "豫档馆"},
    {"新乡市人力资源和社会保障局", "新乡市", "新人社"},
    {"许昌市自然资源和规划局", "许昌市", "许自然资"},
    {"安阳市卫生健康委员会", "安阳市", "安卫"},
    {"南阳市教育局", "南阳市", "宛教"},
    {"周口市财政局", "周口市", "周财"},
    {"信阳市住房和城乡建设局", "信阳市", "信建"},
    {"平顶山市市场监督管理局", "平顶山市", "平市监"},
    {"商丘市农业农村局", "商丘市", "商农"},
    {"焦作市统计局", "焦作市", "焦统"},
    {"漯河市文化广电和旅游局", "漯河市", "漯文旅"},
    {"鹤壁市应急管理局", "鹤壁市", "鹤应急"},
    {"濮阳市交通运输局", "濮阳市", "濮交"},
};

constexpr const char* kMatters[] = {
    "档案数字化加工", "档案安全检查", "年度档案移交", "民生档案跨馆查询", "电子文件归档",
    "档案开放审核", "婚姻登记档案整理", "退役军人档案专项清理", "农村土地承包档案管理",
    "机关档案工作目标管理考核", "重大活动档案收集", "档案库房温湿度监测", "馆藏档案抢救保护",
    "档案信息资源共享", "干部人事档案专项审核", "城市建设档案归集"};

constexpr const char* kLaws[] = {"中华人民共和国档案法", "中华人民共和国档案法实施条例",
                                 "机关档案管理规定", "河南省档案条例", "档案馆工作通则",
                                 "电子文件归档与电子档案管理规范"};

constexpr const char* kHeadings[] = {"提高思想认识", "明确工作任务", "加强组织领导", "严格质量管理",
                                     "强化督促检查", "落实经费保障", "做好信息报送", "确保档案安全"};

// Sentences with slots: {U} a unit, {M} a matter, {L} a law, {D} a date, {N} a count, {K} a
// small count, {P} a percentage, {C} a city, {R} a person's name.
constexpr const char* kSentences[] = {
    "本办法适用于本市各级机关、团体、企业事业单位和其他组织开展的{M}工作。",
    "{U}主管本行政区域内的{M}工作，负责统筹规划、组织协调、监督检查和业务指导。",
    "各单位应当于{D}前将本单位{M}工作总结和有关统计报表报送{U}，逾期未报送的予以通报。",
    "档案部门应当建立健全{M}工作制度，明确分管领导和具体承办人员，配备必要的设施设备。",
    "对在{M}工作中成绩显著的单位和个人，由{U}按照国家有关规定给予表彰和奖励。",
    "违反本办法规定，造成档案损毁、丢失的，由{U}责令限期改正；情节严重的，依法追究有关人员的责任。",
    "本次检查共抽查案卷{N}卷、文件{N}件，发现各类问题{K}个，截至{D}已整改{K}个，整改率达到{P}。",
    "经研究，决定自{D}起在全市范围内开展{M}专项行动，为期{K}个月。",
    "{M}所需经费列入同级财政预算，专款专用，任何单位和个人不得截留、挤占或者挪用。",
    "请各单位高度重视，切实加强组织领导，周密安排部署，确保各项工作任务按时保质完成。",
    "各县（市、区）要结合本地实际，制定具体实施方案，细化工作措施，于{D}前报{U}备案。",
    "移交进馆的档案应当齐全完整、分类清楚、排列有序，案卷目录一式三份，并附电子目录。",
    "数字化成果应当经过逐页质量检查，图像清晰完整，著录项目准确，合格率不得低于{P}。",
    "查阅利用档案应当出示有效身份证件，填写档案查阅登记表，不得擅自复制、摘抄、涂改档案。",
    "库房应当配备防火、防盗、防潮、防虫、防光、防尘等设施，温度控制在十四至二十四摄氏度之间。",
    "{C}共接收各单位移交档案{N}卷，其中永久保管{N}卷，长期保管{N}卷，录入目录数据{N}条。",
    "各级档案馆应当按照“应收尽收、应归尽归”的原则，做好{M}的接收征集工作。",
    "电子档案应当采用符合国家标准的存储格式，异地备份，定期检测，确保长期可读可用。",
    "{U}将会同有关部门对各地{M}工作进行督促检查，检查结果纳入年度目标考核。",
    "对工作不力、推诿扯皮、造成不良影响的单位，将予以通报批评，并责令限期整改。",
    "各单位在执行中遇到的问题，请及时与{U}联系，联系人：{R}。",
    "会议指出，{M}是一项基础性、长期性工作，事关群众切身利益，必须抓紧抓实抓好。",
    "会议要求，各责任单位要对照任务清单，倒排工期，每月{K}日前报送工作进展情况。",
    "年度考核结果分为优秀、良好、合格和不合格四个等次，考核结果作为评先评优的重要依据。",
    "民生档案跨馆出证实行“就地受理、远程查询、异地出证”，群众办事不再往返奔波。",
    "{C}档案馆馆藏档案{N}卷，资料{N}册，已完成数字化扫描{N}万页，占馆藏总量的{P}。",
    "《{L}》明确规定，档案工作实行统一领导、分级管理的原则，维护档案完整与安全。",
    "各地要把{M}列入重要议事日程，主要负责同志亲自过问，分管负责同志具体抓。",
    "凡属归档范围的文件材料，应当在办理完毕后的次年六月底前向本单位档案部门移交。",
    "针对检查中发现的问题，{U}已逐一下发整改通知书，并将在{D}前组织复查。",
};

constexpr const char* kSurnames[] = {"王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴",
                                     "徐", "孙", "马", "朱", "胡", "郭", "何", "高", "林", "郑"};
constexpr const char* kGiven[] = {"建国", "秀英", "志强", "丽华", "海燕", "明", "军", "晓东",
                                  "桂兰", "卫东", "春梅", "国庆", "玉珍", "宏伟", "静", "文博"};
constexpr const char* kPosts[] = {"科长", "副科长", "科员", "主任", "馆员", "副主任", "档案员"};

template <typename T, size_t N>
const T& Pick(const T (&list)[N], std::mt19937& rng) {
  return list[rng() % N];
}

std::string ChineseNumber(int n) {  // 1..99
  static const char* kDigits[] = {"", "一", "二", "三", "四", "五", "六", "七", "八", "九"};
  if (n < 10) return kDigits[n];
  return absl::StrCat(n >= 20 ? kDigits[n / 10] : "", "十", kDigits[n % 10]);
}

std::string Date(std::mt19937& rng) {
  return absl::StrCat(2019 + rng() % 6, "年", 1 + rng() % 12, "月", 1 + rng() % 28, "日");
}

std::string PersonName(std::mt19937& rng) {
  return absl::StrCat(Pick(kSurnames, rng), Pick(kGiven, rng));
}

std::string Fill(const std::string& sentence, const Unit& unit, const std::string& matter,
                 std::mt19937& rng) {
  std::string out;
  for (size_t i = 0; i < sentence.size(); ++i) {
    if (sentence[i] != '{' || i + 2 >= sentence.size()) {
      out += sentence[i];
      continue;
    }
    const char slot = sentence[i + 1];
    i += 2;
    switch (slot) {
      case 'U': out += rng() % 3 == 0 ? Pick(kUnits, rng).name : unit.name; break;
      case 'M': out += rng() % 4 == 0 ? Pick(kMatters, rng) : matter; break;
      case 'L': out += Pick(kLaws, rng); break;
      case 'D': out += Date(rng); break;
      case 'N': absl::StrAppend(&out, 12 + rng() % 4800); break;
      case 'K': absl::StrAppend(&out, 2 + rng() % 11); break;
      case 'P': absl::StrAppend(&out, 90 + rng() % 10, ".", rng() % 10, "%"); break;
      case 'C': out += unit.city; break;
      case 'R': out += PersonName(rng); break;
    }
  }
  return out;
}

std::string Sentences(int count, const Unit& unit, const std::string& matter, std::mt19937& rng) {
  std::string out;
  for (int i = 0; i < count; ++i) out += Fill(Pick(kSentences, rng), unit, matter, rng);
  return out;
}

bool IsClosingPunct(char32_t c) {
  return std::u32string_view(U"，。、；：”’）》〕！？").find(c) != std::u32string_view::npos;
}
bool IsOpeningPunct(char32_t c) {
  return std::u32string_view(U"“‘（《〔").find(c) != std::u32string_view::npos;
}

// Breaks `text` into lines of at most `first` ems (the first line) and `rest` ems (the others):
// full-width characters take one em, a run of ASCII (digits, %, .) 0.55 em a character and is
// never split. Closing punctuation never starts a line (it hangs at the end of the one before)
// and opening punctuation never ends one.
std::vector<std::string> BreakLines(const std::string& text, double first, double rest) {
  std::vector<std::u32string> tokens;
  for (char32_t c : base::DecodeUtf8(text)) {
    if (c < 0x80 && !tokens.empty() && !tokens.back().empty() && tokens.back().back() < 0x80) {
      tokens.back() += c;
    } else {
      tokens.push_back(std::u32string(1, c));
    }
  }
  std::vector<std::string> lines(1);
  double used = 0, capacity = first;
  for (const auto& t : tokens) {
    const double w = t[0] < 0x80 ? 0.55 * static_cast<double>(t.size()) : 1.0;
    const bool overflow = used + w > capacity + 1e-9;
    const bool hang = IsClosingPunct(t[0]) && used > 0;
    const bool orphan_opening = IsOpeningPunct(t[0]) && used + w + 1 > capacity + 1e-9;
    if ((overflow && !hang) || (orphan_opening && used > 0)) {
      lines.emplace_back();
      used = 0;
      capacity = rest;
    }
    for (char32_t c : t) base::AppendUtf8(c, &lines.back());
    used += w;
  }
  return lines;
}

// Lays out pages top to bottom: a cursor in millimetres and the page's texts.
struct Writer {
  DensePage* page;
  double left, width, size_mm, pitch, paragraph_gap, bottom;
  double y;

  double SizePt() const { return size_mm * kPtPerMm; }
  int Capacity() const { return static_cast<int>(std::floor(width / size_mm + 1e-9)); }

  void Line(const std::string& text, double x, PlacedText::Align align, const std::string& font,
            double size_pt) {
    page->layout.texts.push_back({text, font, size_pt, x, y, align});
    absl::StrAppend(&page->truth, page->truth.empty() ? "" : "\n", text);
  }

  // Lines a body paragraph would take.
  std::vector<std::string> Lay(const std::string& paragraph) const {
    return BreakLines(paragraph, Capacity() - 2, Capacity());
  }
  bool Fits(size_t lines, double reserve) const {
    return y + static_cast<double>(lines) * pitch + reserve <= bottom;
  }
  // A body paragraph, its first line indented two characters; kept among the page's paragraphs.
  void Paragraph(const std::vector<std::string>& lines) {
    for (size_t i = 0; i < lines.size(); ++i) {
      Line(lines[i], left + (i == 0 ? 2 * size_mm : 0), PlacedText::Align::kLeft, page->font, SizePt());
      y += pitch;
    }
    y += paragraph_gap;
    page->paragraphs.push_back(lines);
  }
};

void Table(Writer& w, std::mt19937& rng) {
  const double widths[] = {12, 22, 64, 24, 34};
  const double size_pt = 10, row = 9;
  std::vector<std::vector<std::string>> rows = {{"序号", "姓名", "单位", "职务", "日期"}};
  const int n = 3 + static_cast<int>(rng() % 3);
  for (int r = 1; r <= n; ++r) {
    rows.push_back({absl::StrCat(r), PersonName(rng), Pick(kUnits, rng).name, Pick(kPosts, rng), Date(rng)});
  }
  const double top = w.y, scale = w.width / 156.0;
  for (size_t r = 0; r <= rows.size(); ++r) {
    w.page->layout.rules.push_back({w.left, top + r * row, w.left + w.width, top + r * row, 0.3});
  }
  double x = w.left;
  for (double cw : widths) {
    w.page->layout.rules.push_back({x, top, x, top + rows.size() * row, 0.3});
    x += cw * scale;
  }
  w.page->layout.rules.push_back({x, top, x, top + rows.size() * row, 0.3});
  for (size_t r = 0; r < rows.size(); ++r) {
    x = w.left;
    for (size_t c = 0; c < rows[r].size(); ++c) {
      w.page->layout.texts.push_back({rows[r][c], "Noto Sans CJK SC", size_pt, x + 1.5,
                                      top + r * row + (row - size_pt / kPtPerMm * 1.45) / 2,
                                      PlacedText::Align::kLeft});
      x += widths[c] * scale;
    }
    absl::StrAppend(&w.page->truth, "\n", absl::StrJoin(rows[r], " "));
  }
  w.y = top + rows.size() * row + w.pitch;
  w.page->has_table = true;
}

enum class Kind { kNotice, kMeasures, kDecision, kBulletin };

std::string TitleOf(Kind kind, const Unit& unit, const std::string& matter, std::mt19937& rng) {
  switch (kind) {
    case Kind::kMeasures: return absl::StrCat(unit.city, matter, "管理办法");
    case Kind::kDecision: return absl::StrCat(unit.name, "关于表彰", 2019 + rng() % 5, "年度", matter, "工作先进单位的决定");
    case Kind::kBulletin: return absl::StrCat(unit.name, "关于", 2019 + rng() % 5, "年度", matter, "情况的通报");
    case Kind::kNotice: break;
  }
  if (rng() % 2 == 0) return absl::StrCat(unit.name, "关于印发《", unit.city, matter, "实施细则》的通知");
  return absl::StrCat(unit.name, "关于", rng() % 2 ? "开展" : "做好", matter, "工作的通知");
}

}  // namespace

DensePage MakeDensePage(unsigned seed) {
  std::mt19937 rng(seed * 2654435761u + 17);
  DensePage page;
  page.chars_per_line = 28 + static_cast<int>(rng() % 13);
  page.font = seed % 2 == 0 ? "Noto Serif CJK SC" : "Noto Sans CJK SC";
  page.layout.seed = seed;
  page.layout.skew_degrees = (rng() % 2 ? 1 : -1) * (0.3 + 0.7 * (rng() % 1000) / 1000.0);
  page.layout.noise = 0.0015 + 0.0015 * (rng() % 1000) / 1000.0;
  const double size_mm = 156.0 / page.chars_per_line;
  Writer w{&page, 27, 156, size_mm, size_mm * (1.5 + 0.25 * (rng() % 100) / 100.0), 0, 278, 24};
  if (rng() % 5 < 2) w.paragraph_gap = w.pitch * 0.5;

  const Kind kind = static_cast<Kind>(rng() % 4);
  const Unit& unit = Pick(kUnits, rng);
  const std::string matter = Pick(kMatters, rng);
  page.title = TitleOf(kind, unit, matter, rng);
  const double title_mm = std::min(size_mm * 1.45, 22 / kPtPerMm);
  const std::string title_font = seed % 4 < 2 ? "Noto Serif CJK SC Bold" : "Noto Sans CJK SC Bold";
  if (kind != Kind::kMeasures) {
    w.Line(absl::StrCat(unit.abbr, "〔", 2019 + rng() % 5, "〕", 1 + rng() % 60, "号"), w.left + w.width / 2,
           PlacedText::Align::kCentre, page.font, w.SizePt());
    w.y += w.pitch * 1.2;
  }
  const int title_capacity = static_cast<int>(w.width / title_mm) - 2;
  for (const auto& line : BreakLines(page.title, title_capacity, title_capacity)) {
    w.Line(line, w.left + w.width / 2, PlacedText::Align::kCentre, title_font, title_mm * kPtPerMm);
    w.y += title_mm * 1.6;
  }
  w.y += w.pitch;
  if (kind == Kind::kNotice || kind == Kind::kBulletin) {
    w.Line(rng() % 2 ? "各县（市、区）人民政府，市人民政府各部门：" : "各县（市、区）档案局，市直各单位：", w.left,
           PlacedText::Align::kLeft, page.font, w.SizePt());
    w.y += w.pitch;
  }

  const bool table = seed % 3 == 1, seal = seed % 3 == 2;
  const double table_height = 9.0 * 6 + w.pitch * 2;
  const double closing = w.pitch * 4 + (seal ? 12 : 0);
  std::string opening;
  if (kind == Kind::kNotice) {
    opening = absl::StrCat("为做好", matter, "工作，切实维护档案的真实性、完整性、可用性和安全性，根据《",
                           Pick(kLaws, rng), "》有关规定，现将有关事项通知如下：");
  } else if (kind == Kind::kMeasures) {
    opening = absl::StrCat("第一条　为进一步规范", matter, "工作，提高档案管理的规范化、标准化水平，根据《",
                           Pick(kLaws, rng), "》等有关规定，结合本市实际，制定本办法。");
  } else {
    opening = Sentences(2, unit, matter, rng);
  }
  // Paragraph `k` (from 2: articles and sections are numbered as placed), fresh text each call.
  const auto paragraph = [&](int k) {
    const int sentences = 1 + static_cast<int>(rng() % 3);
    switch (kind) {
      case Kind::kMeasures:
        return absl::StrCat("第", ChineseNumber(k), "条　", Sentences(sentences, unit, matter, rng));
      case Kind::kNotice:
        return absl::StrCat(ChineseNumber(k - 1), "、", Pick(kHeadings, rng), "。",
                            Sentences(sentences, unit, matter, rng));
      default:
        return Sentences(sentences + 1, unit, matter, rng);
    }
  };
  bool table_done = !table;
  int next = 1;
  for (int attempt = 0; attempt < 60; ++attempt) {
    const auto lines = w.Lay(next == 1 ? opening : paragraph(next));
    const double reserve = closing + (table_done ? 0 : table_height);
    if (!w.Fits(lines.size(), reserve)) continue;
    w.Paragraph(lines);
    ++next;
    if (!table_done && page.paragraphs.size() == 2) {
      w.Paragraph(w.Lay(absl::StrCat("附：", matter, "工作联系人名单")));
      Table(w, rng);
      table_done = true;
    }
  }
  if (!table_done) {
    w.Paragraph(w.Lay(absl::StrCat("附：", matter, "工作联系人名单")));
    Table(w, rng);
  }
  const char* ending = kind == Kind::kNotice ? "特此通知。" : kind == Kind::kBulletin ? "特此通报。" : nullptr;
  if (ending != nullptr) w.Paragraph({ending});
  w.y += w.pitch;
  const double right = w.left + w.width - 2 * size_mm;
  const double signature_y = w.y;
  w.Line(unit.name, right, PlacedText::Align::kRight, page.font, w.SizePt());
  w.y += w.pitch;
  w.Line(Date(rng), right, PlacedText::Align::kRight, page.font, w.SizePt());
  if (seal) {
    const double name_width = static_cast<double>(base::CodePointCount(unit.name)) * size_mm;
    page.layout.seals.push_back({unit.name, right - name_width / 2, signature_y + w.pitch * 0.6, 20});
    page.has_seal = true;
  }
  return page;
}

DensePage MakeLightPage(unsigned seed) {
  DensePage page;
  page.font = "Noto Serif CJK SC";
  page.title = "关于档案数字化工作的报告";
  page.layout.seed = seed + 1;
  page.layout.skew_degrees = (static_cast<int>(seed % 3) - 1) * 0.4;
  const double size_mm = 12 / kPtPerMm;
  Writer w{&page, 25, 160, size_mm, size_mm * 2.05, size_mm, 280, 15};
  page.chars_per_line = w.Capacity();
  w.Line(page.title, w.left + w.width / 2, PlacedText::Align::kCentre, "Noto Serif CJK SC Bold", 18);
  w.y += 18 / kPtPerMm * 2.05 + 18 / kPtPerMm;
  for (unsigned p = 0; p < 4; ++p) w.Paragraph(w.Lay(ComposeParagraph(220, 100 * seed + p)));
  return page;
}

std::vector<Phrase> SamplePhrases(const DensePage& page, size_t count, unsigned seed) {
  std::mt19937 rng(seed);
  std::vector<Phrase> crossing, within;
  const auto han_run = [](const std::vector<char32_t>& cps, size_t s, size_t len) {
    if (s + len > cps.size()) return false;
    for (size_t i = s; i < s + len; ++i) {
      if (!base::IsHan(cps[i])) return false;
    }
    return true;
  };
  for (const auto& paragraph : page.paragraphs) {
    std::vector<char32_t> cps;
    std::vector<size_t> starts;  // where each line starts in cps
    for (const auto& line : paragraph) {
      starts.push_back(cps.size());
      for (char32_t c : base::DecodeUtf8(line)) cps.push_back(c);
    }
    starts.push_back(cps.size());
    for (size_t l = 0; l + 1 < starts.size(); ++l) {
      const size_t len = 6 + rng() % 3;
      // One phrase within the line, one across its end (when the paragraph goes on).
      std::vector<size_t> inside, across;
      for (size_t s = starts[l]; s + len <= starts[l + 1]; ++s) {
        if (han_run(cps, s, len)) inside.push_back(s);
      }
      if (l + 2 < starts.size()) {
        const size_t from = starts[l + 1] + 1 >= starts[l] + len ? starts[l + 1] + 1 - len : starts[l];
        for (size_t s = from; s < starts[l + 1]; ++s) {
          if (han_run(cps, s, len)) across.push_back(s);
        }
      }
      const auto add = [&](const std::vector<size_t>& from, bool crosses, std::vector<Phrase>* to) {
        if (from.empty()) return;
        const size_t s = from[rng() % from.size()];
        to->push_back({base::EncodeUtf8({cps.begin() + s, cps.begin() + s + len}), crosses});
      };
      add(inside, false, &within);
      add(across, true, &crossing);
    }
  }
  std::shuffle(crossing.begin(), crossing.end(), rng);
  std::shuffle(within.begin(), within.end(), rng);
  const size_t want_crossing = std::min(crossing.size(), std::max<size_t>(1, (count * 2 + 4) / 5));
  std::vector<Phrase> out;
  std::set<std::string> seen;
  const auto take = [&](const std::vector<Phrase>& from, size_t limit) {
    for (const auto& p : from) {
      if (out.size() >= limit) return;
      if (seen.insert(p.text).second) out.push_back(p);
    }
  };
  take(crossing, want_crossing);
  take(within, count);
  take(crossing, count);
  return out;
}

}  // namespace kuaguan::testing
