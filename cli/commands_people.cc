// People and roles (三员分离): roles (the role table), whoami, staff grant / add / list / revoke
// (the security officer's), and audit list (the auditor's).
#include <botan/auto_rng.h>
#include <botan/pk_keys.h>
#include <botan/pkcs10.h>
#include <botan/x509self.h>

#include <fstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/time/time.h"
#include "base/roles.h"
#include "base/status_macros.h"
#include "cli/command_context.h"
#include "cli/commands.h"
#include "cli/passphrase.h"
#include "cli/render.h"
#include "seal/certs.h"
#include "seal/key_file.h"

namespace kuaguan::cli {
namespace v1 = kuaguan::v1;

namespace {

constexpr auto kCall = std::chrono::seconds(30);


Json PersonJson(const v1::StaffMember& p) {
  std::vector<Json> roles;
  for (const std::string& r : p.roles()) roles.push_back(JStr(r));
  return JObj({{"name", JStr(p.name())},
               {"roles", JArr(roles)},
               {"via", JStr(p.unix_user().empty() ? absl::StrCat("certificate:", p.certificate_serial())
                                                  : absl::StrCat("unix:", p.unix_user()))},
               {"revoked", JBool(p.revoked())},
               {"revoked_reason", JStr(p.revoked_reason())},
               {"granted_by", JStr(p.granted_by())},
               {"granted", JStr(FormatChinaTime(p.granted_micros()))}});
}

std::string PersonLine(const v1::StaffMember& p) {
  return absl::StrCat(p.name(), "  ", absl::StrJoin(p.roles(), ","), "  ",
                      p.unix_user().empty() ? absl::StrCat("certificate:", p.certificate_serial())
                                            : absl::StrCat("unix:", p.unix_user()),
                      p.revoked() ? absl::StrCat("  REVOKED (", p.revoked_reason(), ")") : "", "\n");
}

absl::Status StaffGrant(CommandContext& ctx) {
  const auto& pos = ctx.args.positional();
  const auto roles = ctx.args.All("--role");
  if (pos.size() != 2 || !ctx.args.Get("--name") || roles.empty()) {
    return absl::InvalidArgumentError("usage: kuaguan staff grant UNIXUSER --name 姓名 --role ROLE [--role ROLE]");
  }
  v1::GrantRequest req;
  req.set_unix_user(pos[1]);
  req.set_name(*ctx.args.Get("--name"));
  for (const std::string& r : roles) {
    for (absl::string_view one : absl::StrSplit(r, ',')) req.add_roles(std::string(one));
  }
  v1::StaffMember p;
  auto call = ctx.client->Context(kCall);
  grpc::Status st = ctx.client->stub().GrantStaff(call.get(), req, &p);
  if (!st.ok()) return ctx.client->Explain(st);
  Print(ctx.json ? ToJson(PersonJson(p)) : absl::StrCat("Granted: ", PersonLine(p)));
  return absl::OkStatus();
}

absl::Status StaffAdd(CommandContext& ctx) {
  const auto& pos = ctx.args.positional();
  auto role = ctx.args.Get("--role");
  auto out_dir = ctx.args.Get("--out");
  if (pos.size() != 2 || !role || !out_dir) {
    return absl::InvalidArgumentError(
        "usage: kuaguan staff add NAME --role ROLE --out DIR [--key-passphrase-file FILE]");
  }
  if (!seal::IsStaffRole(*role)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--role '", *role, "' is not a role a staff certificate carries (kuaguan roles lists them)"));
  }
  const std::filesystem::path dir = *out_dir;
  std::error_code ec;
  if (std::filesystem::exists(dir / "desk.toml", ec)) {
    return absl::AlreadyExistsError(absl::StrCat((dir / "desk.toml").string(), " already exists"));
  }
  ASSIGN_OR_RETURN(const std::string passphrase,
                   NewPassphrase(ctx.args.Get("--key-passphrase-file"), "passphrase for the staff key"));
  // The key is made here: it never reaches the node or the CA.
  Botan::AutoSeeded_RNG rng;
  auto key = seal::NewKey(seal::KeyKind::kEcdsaP256, rng);
  Botan::X509_Cert_Options opts(pos[1]);
  const auto csr = Botan::X509::create_cert_req(opts, *key, "SHA-256", rng).BER_encode();
  v1::StaffAddRequest req;
  req.set_name(pos[1]);
  req.set_role(*role);
  req.set_csr(std::string(csr.begin(), csr.end()));
  v1::StaffAddResult r;
  auto call = ctx.client->Context(kCall);
  grpc::Status st = ctx.client->federation().AddStaff(call.get(), req, &r);
  if (!st.ok()) return ctx.client->Explain(st);
  std::filesystem::create_directories(dir, ec);
  if (ec) return absl::InternalError(absl::StrCat("cannot create ", dir.string(), ": ", ec.message()));
  RETURN_IF_ERROR(seal::WriteKeyFile(dir / "desk.key", *key, passphrase));
  for (const auto& [name, text] :
       {std::pair{"desk.pem", r.cert_pem() + r.issuing_pem()}, std::pair{"root.pem", r.root_pem()},
        std::pair{"desk.toml",
                  absl::StrCat("# kuaguan-desk profile for ", r.name(), " (", r.role(), ") of archive ", r.archive(),
                               "\n[desk]\nnode = \"", r.node_address(), "\"\narchive = \"", r.archive(),
                               "\"\nname = \"", r.name(), "\"\nrole = \"", r.role(),
                               "\"\ncertificate = \"desk.pem\"\nkey = \"desk.key\"\nroot = \"root.pem\"\n")}}) {
    std::ofstream out(dir / name, std::ios::trunc);
    out << text;
    if (!out) return absl::InternalError(absl::StrCat("cannot write ", (dir / name).string()));
  }
  Print(ctx.json ? ToJson(JObj({{"archive", JStr(r.archive())}, {"name", JStr(r.name())}, {"role", JStr(r.role())},
                               {"serial", JStr(r.serial())}, {"node", JStr(r.node_address())},
                               {"profile", JStr((dir / "desk.toml").string())}}))
                 : absl::StrCat("Staff certificate ", r.serial(), " for ", r.name(), " (", r.role(), ") of archive ",
                                r.archive(), ", registered at this node.\nWrote ", (dir / "desk.toml").string(),
                                " with desk.pem, desk.key (encrypted, mode 600) and root.pem.\n"));
  return absl::OkStatus();
}

absl::Status StaffList(CommandContext& ctx) {
  v1::StaffList list;
  auto call = ctx.client->Context(kCall);
  grpc::Status st = ctx.client->stub().ListStaff(call.get(), {}, &list);
  if (!st.ok()) return ctx.client->Explain(st);
  if (ctx.json) {
    std::vector<Json> people;
    for (const v1::StaffMember& p : list.people()) people.push_back(PersonJson(p));
    Print(ToJson(JObj({{"people", JArr(people)}})));
    return absl::OkStatus();
  }
  std::string out;
  for (const v1::StaffMember& p : list.people()) absl::StrAppend(&out, PersonLine(p));
  Print(out);
  return absl::OkStatus();
}

absl::Status StaffRevoke(CommandContext& ctx) {
  const auto& pos = ctx.args.positional();
  auto reason = ctx.args.Get("--reason");
  if (pos.size() != 2 || !reason) {
    return absl::InvalidArgumentError("usage: kuaguan staff revoke UNIXUSER|SERIAL --reason TEXT");
  }
  v1::RevokeStaffRequest req;
  req.set_who(pos[1]);
  req.set_reason(*reason);
  v1::StaffMember p;
  auto call = ctx.client->Context(kCall);
  grpc::Status st = ctx.client->stub().RevokeStaff(call.get(), req, &p);
  if (!st.ok()) return ctx.client->Explain(st);
  Print(ctx.json ? ToJson(PersonJson(p)) : absl::StrCat("Revoked, effective now: ", PersonLine(p)));
  return absl::OkStatus();
}

}  // namespace

absl::Status StaffCommand(const Argv& argv) {
  ASSIGN_OR_RETURN(auto ctx, OpenContext(argv, {{}, {"--role", "--out", "--name", "--reason", "--key-passphrase-file"}}));
  const auto& pos = ctx.args.positional();
  const std::string sub = pos.empty() ? "" : pos[0];
  if (sub == "grant") return StaffGrant(ctx);
  if (sub == "add") return StaffAdd(ctx);
  if (sub == "list" && pos.size() == 1) return StaffList(ctx);
  if (sub == "revoke") return StaffRevoke(ctx);
  return absl::InvalidArgumentError(
      "usage: kuaguan staff grant UNIXUSER --name 姓名 --role ROLE | staff add NAME --role ROLE --out DIR | "
      "staff list | staff revoke UNIXUSER|SERIAL --reason TEXT");
}

absl::Status WhoAmICommand(const Argv& argv) {
  ASSIGN_OR_RETURN(auto ctx, OpenContext(argv, {}));
  if (!ctx.args.positional().empty()) return absl::InvalidArgumentError("usage: kuaguan whoami");
  v1::Identity id;
  auto call = ctx.client->Context(kCall);
  grpc::Status st = ctx.client->stub().WhoAmI(call.get(), {}, &id);
  if (!st.ok()) return ctx.client->Explain(st);
  if (ctx.json) {
    std::vector<Json> roles;
    for (const std::string& r : id.roles()) roles.push_back(JStr(r));
    Print(ToJson(JObj({{"person", JStr(id.person())}, {"roles", JArr(roles)}, {"via", JStr(id.via())}})));
  } else {
    Print(absl::StrCat(id.person(), " (", absl::StrJoin(id.roles(), ", "), ") via ", id.via(), "\n"));
  }
  return absl::OkStatus();
}

absl::Status RolesCommand(const Argv& argv) {
  ASSIGN_OR_RETURN(const Args args, Args::Parse(argv, {{"--json"}, {"--config", "--profile"}}));
  if (!args.positional().empty()) return absl::InvalidArgumentError("usage: kuaguan roles [--json]");
  if (args.Has("--json")) {
    std::vector<Json> roles;
    for (const base::RoleSpec& r : base::Roles()) {
      std::vector<Json> commands;
      for (absl::string_view c : base::CommandsOf(r.id)) commands.push_back(JStr(std::string(c)));
      roles.push_back(JObj({{"role", JStr(std::string(r.id))},
                            {"name_zh", JStr(std::string(r.name_zh))},
                            {"three_role", JBool(r.three_role)},
                            {"node", JStr(std::string(r.node))},
                            {"commands", JArr(commands)}}));
    }
    Print(ToJson(JObj({{"roles", JArr(roles)}})));
    return absl::OkStatus();
  }
  std::string out = "Roles (三员 = one of the three separated roles; nobody holds two):\n";
  for (const base::RoleSpec& r : base::Roles()) {
    absl::StrAppend(&out, "\n", r.id, "  ", r.name_zh, r.three_role ? "  [三员]" : "",
                    r.node == "any" ? "" : absl::StrCat("  (", r.node, " nodes)"), "\n  ", r.duty, "\n  may: ",
                    absl::StrJoin(base::CommandsOf(r.id), ", "), "\n");
  }
  Print(out);
  return absl::OkStatus();
}

}  // namespace kuaguan::cli
