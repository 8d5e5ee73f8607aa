#include "tests/testing/catalog_gen.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "proto/record_fields.h"
#include "base/csv.h"

namespace kuaguan::testing {
namespace v1 = kuaguan::v1;

namespace {

struct Agency {
  const char* name;
  const char* unit_code;
  const char* fonds;
};

const Agency kAgencies[] = {
    {"郑州市人民政府办公厅", "BGS", "Z101"}, {"郑州市民政局", "MZJ", "Z109"},
    {"郑州市教育局", "JYJ", "Z112"},         {"郑州市人力资源和社会保障局", "RSJ", "Z115"},
    {"郑州市卫生健康委员会", "WJW", "Z118"}, {"郑州市自然资源和规划局", "ZRJ", "Z121"},
    {"郑州市住房保障和房地产管理局", "FGJ", "Z124"}, {"金水区人民政府", "JSQ", "A201"},
    {"二七区教育局", "EQJ", "A205"},         {"中原区民政局", "ZYM", "A208"},
    {"河南省档案局", "DAJ", "S001"},         {"郑州市水利局", "SLJ", "Z127"},
};

struct Subject {
  const char* topic;
  v1::LivelihoodCategory livelihood;
};

const Subject kSubjects[] = {
    {"婚姻登记", v1::LIVELIHOOD_MARRIAGE},        {"结婚登记审查", v1::LIVELIHOOD_MARRIAGE},
    {"学籍管理", v1::LIVELIHOOD_SCHOOL},          {"毕业生学历认定", v1::LIVELIHOOD_SCHOOL},
    {"独生子女父母光荣证", v1::LIVELIHOOD_ONLY_CHILD}, {"职工工龄认定", v1::LIVELIHOOD_SERVICE_YEARS},
    {"专业技术职称评审", v1::LIVELIHOOD_PROFESSIONAL_TITLE},
    {"先进集体和先进个人表彰", v1::LIVELIHOOD_AWARD}, {"职工退休审批", v1::LIVELIHOOD_RETIREMENT},
    {"农村土地承包经营权确权", v1::LIVELIHOOD_LAND_PROPERTY},
    {"城镇房屋产权登记", v1::LIVELIHOOD_LAND_PROPERTY}, {"档案工作", v1::LIVELIHOOD_NONE},
    {"档案馆库房建设", v1::LIVELIHOOD_NONE},      {"防汛抗旱", v1::LIVELIHOOD_NONE},
    {"城市道路改造", v1::LIVELIHOOD_NONE},        {"安全生产检查", v1::LIVELIHOOD_NONE},
    {"财政预算执行情况", v1::LIVELIHOOD_NONE},    {"植树造林", v1::LIVELIHOOD_NONE},
    {"黄河滩区居民迁建", v1::LIVELIHOOD_NONE},    {"义务教育经费保障", v1::LIVELIHOOD_NONE},
    {"社区卫生服务中心建设", v1::LIVELIHOOD_NONE}, {"老旧小区改造", v1::LIVELIHOOD_NONE},
};

const char* kDocTypes[] = {"通知", "报告", "请示", "批复", "意见", "决定", "会议纪要", "工作总结"};
const char* kPrefixes[] = {"关于", "关于做好", "关于加强", "关于开展", "关于印发", "关于调整"};
const char* kSuffixes[] = {"", "工作", "有关事项", "实施方案", "的补充规定", "情况"};
const char* kSurnames[] = {"王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴", "徐", "孙"};
const char* kGiven[] = {"建国", "秀英", "桂兰", "志强", "海燕", "丽华", "国庆", "红梅",
                        "春生", "玉兰", "立新", "淑珍", "文博", "晓东", "雪梅", "卫东"};
const char* kBody[] = {"经研究决定", "现将有关事项通知如下", "请各单位认真贯彻执行",
                       "按照上级部门的统一部署", "结合本地区实际情况", "进一步规范工作程序",
                       "切实维护群众合法权益", "做好材料的收集整理和归档", "确保各项工作落到实处",
                       "本件原件存于档案馆库房", "如有疑问请与办公室联系"};

template <typename T, size_t N>
const T& Pick(const T (&arr)[N], std::mt19937_64& rng) {
  return arr[rng() % N];
}

}  // namespace

std::vector<v1::Record> GenerateRecords(const CatalogGenOptions& options) {
  std::mt19937_64 rng(options.seed);
  std::vector<v1::Record> out;
  out.reserve(options.count);
  std::map<std::string, int> next_item;
  for (uint64_t i = 0; i < options.count; ++i) {
    const Agency& a = Pick(kAgencies, rng);
    const Subject& s = Pick(kSubjects, rng);
    const int year = 1980 + static_cast<int>(rng() % 45);
    const int month = 1 + static_cast<int>(rng() % 12);
    const int day = 1 + static_cast<int>(rng() % 28);
    const int retention_pick = static_cast<int>(rng() % 10);
    const v1::Retention retention = retention_pick < 5   ? v1::RETENTION_PERMANENT
                                    : retention_pick < 8 ? v1::RETENTION_30_YEARS
                                                         : v1::RETENTION_10_YEARS;
    const char* rcode = retention == v1::RETENTION_PERMANENT ? "Y"
                        : retention == v1::RETENTION_30_YEARS ? "D30"
                                                              : "D10";
    const std::string series = absl::StrCat(a.fonds, "-WS·", year, "-", rcode, "-", a.unit_code);
    const int item = ++next_item[series];
    v1::Record r;
    r.set_code(absl::StrFormat("%s-%04d", series, item));
    r.set_title(absl::StrCat(Pick(kPrefixes, rng), s.topic, Pick(kSuffixes, rng), "的",
                             Pick(kDocTypes, rng)));
    r.set_responsible(a.name);
    r.set_date(absl::StrFormat("%04d%02d%02d", year, month, day));
    r.set_year(year);
    r.set_retention(retention);
    r.set_fonds_number(a.fonds);
    r.set_item_number(absl::StrFormat("%04d", item));
    const int secrecy_pick = static_cast<int>(rng() % 20);
    r.set_secrecy(secrecy_pick < 17 ? v1::SECRECY_PUBLIC : v1::SECRECY_RESTRICTED);
    const int share_pick = static_cast<int>(rng() % 10);
    r.set_share_class(share_pick < 6   ? v1::SHARE_CLASS_UNCONDITIONAL
                      : share_pick < 8 ? v1::SHARE_CLASS_CONDITIONAL
                                       : v1::SHARE_CLASS_NOT_SHARED);
    r.set_open_status(year < 2000 ? v1::OPEN_STATUS_OPEN : v1::OPEN_STATUS_CONTROLLED);
    r.set_livelihood(s.livelihood);
    if (s.livelihood != v1::LIVELIHOOD_NONE) {
      const int n = 1 + static_cast<int>(rng() % 2);
      for (int k = 0; k < n; ++k) {
        r.add_persons()->set_name(absl::StrCat(Pick(kSurnames, rng), Pick(kGiven, rng)));
      }
    }
    r.set_pages(1 + static_cast<int>(rng() % 30));
    if (options.full_text) {
      std::string text = r.title() + "。";
      for (int k = 0; k < 12; ++k) absl::StrAppend(&text, Pick(kBody, rng), "，", s.topic, "。");
      r.set_full_text(text);
    }
    out.push_back(std::move(r));
  }
  return out;
}

std::string CatalogCsv(const std::vector<v1::Record>& records) {
  const auto& fields = proto::CatalogFields();
  std::vector<std::string> header;
  for (const auto& f : fields) header.push_back(std::string(f.chinese));
  std::string out = absl::StrCat(absl::StrJoin(header, ","), "\n");
  for (const auto& r : records) {
    std::vector<std::string> row;
    for (const auto& f : fields) row.push_back(base::CsvEscape(f.get(r)));
    absl::StrAppend(&out, absl::StrJoin(row, ","), "\n");
  }
  return out;
}

std::string CatalogJsonLines(const std::vector<v1::Record>& records) {
  std::string out;
  for (const auto& r : records) {
    google::protobuf::Struct obj;
    for (const auto& f : proto::CatalogFields()) {
      const std::string v = f.get(r);
      if (!v.empty()) (*obj.mutable_fields())[std::string(f.key)].set_string_value(v);
    }
    std::string line;
    (void)google::protobuf::util::MessageToJsonString(obj, &line);
    absl::StrAppend(&out, line, "\n");
  }
  return out;
}

}  // namespace kuaguan::testing
