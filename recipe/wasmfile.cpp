#include "recipe/wasmfile.h"

#include "image/preinit.h"

#include <algorithm>
#include <cctype>
#include <set>

#include "image/reference.h"
#include "recipe/lexer.h"
#include "support/utf8.h"

namespace wimg::recipe {
namespace {

using lex::LogicalLine;
using lex::SourcePos;

bool is_blank(char c) { return c == ' ' || c == '\t'; }

std::string upper(std::string_view s) {
  std::string r(s);
  for (char& c : r) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return r;
}
std::string lower(std::string_view s) {
  std::string r(s);
  for (char& c : r) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return r;
}

const std::vector<std::pair<const char*, const char*>>& unsupported() {
  static const std::vector<std::pair<const char*, const char*>> u = {
      {"SHELL", "SHELL is not supported: a wasm image has no shell; write ENTRYPOINT and CMD in exec form"},
      {"HEALTHCHECK", "HEALTHCHECK is not supported: there is no daemon to run health checks"},
      {"ONBUILD", "ONBUILD is not supported: wimg images record no triggers for later builds"},
      {"STOPSIGNAL", "STOPSIGNAL is not supported: WASI has no signals"},
      {"USER", "USER is not supported: WASI has no users; files in an image have no owner"},
      {"EXPOSE", "EXPOSE is not supported: there is no daemon and no container network"},
      {"MAINTAINER", "MAINTAINER is not supported (deprecated in Docker too): use LABEL maintainer=..."},
  };
  return u;
}

const std::vector<const char*>& supported() {
  static const std::vector<const char*> s = {"FROM", "ARG",        "COPY", "ADD",  "ENV",
                                             "LABEL", "WORKDIR", "ENTRYPOINT", "CMD", "MOUNT", "VOLUME",
                                             "RUN",  "PREINIT"};
  return s;
}

bool valid_var_name(std::string_view s) {
  if (s.empty() || !(std::isalpha(static_cast<unsigned char>(s[0])) || s[0] == '_')) return false;
  return std::all_of(s.begin(), s.end(), [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; });
}

bool valid_stage_name(std::string_view s) {
  if (s.empty() || !std::islower(static_cast<unsigned char>(s[0]))) return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return std::islower(static_cast<unsigned char>(c)) || std::isdigit(static_cast<unsigned char>(c)) || c == '-' ||
           c == '_' || c == '.';
  });
}

bool all_digits(std::string_view s) {
  return !s.empty() && s.size() < 10 && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

bool is_url(std::string_view s) {
  if (s.starts_with("git@")) return true;
  std::size_t i = 0;
  if (s.empty() || !std::isalpha(static_cast<unsigned char>(s[0]))) return false;
  while (i < s.size() && (std::isalnum(static_cast<unsigned char>(s[i])) || s[i] == '+' || s[i] == '.' || s[i] == '-')) ++i;
  return s.substr(i).starts_with("://");
}

class Parser {
 public:
  Parser(std::string_view text, std::string_view file, const ParseOptions& opts)
      : text_(text), file_(file), opts_(opts) {
    for (std::size_t p = 0; p <= text.size();) {
      auto nl = text.find('\n', p);
      std::string_view l = text.substr(p, nl == std::string_view::npos ? std::string_view::npos : nl - p);
      if (!l.empty() && l.back() == '\r') l.remove_suffix(1);
      src_.push_back(l);
      if (nl == std::string_view::npos) break;
      p = nl + 1;
    }
  }

  Result<Plan> run();

 private:
  // No "error:" of its own: main prints "wimg: error: " before every message.
  Error err(SourcePos pos, const std::string& message) const {
    std::string_view src = pos.line >= 1 && pos.line <= src_.size() ? src_[pos.line - 1] : std::string_view{};
    std::string caret;
    for (std::size_t i = 0; i + 1 < pos.column && i < src.size(); ++i) caret += src[i] == '\t' ? '\t' : ' ';
    for (std::size_t i = src.size() + 1; i < pos.column; ++i) caret += ' ';
    return make_error(ErrorKind::Input, file_ + ":" + std::to_string(pos.line) + ":" + std::to_string(pos.column) +
                                            ": " + message + "\n    " + std::string(src) + "\n    " + caret +
                                            "^");
  }
  void warn(SourcePos pos, const std::string& message) {
    std::string w = file_ + ":" + std::to_string(pos.line) + ":" + std::to_string(pos.column) + ": " + message;
    if (std::find(plan_.warnings.begin(), plan_.warnings.end(), w) == plan_.warnings.end()) plan_.warnings.push_back(w);
  }

  // Words of line_->text[off, off+len) with errors mapped to the source.
  Result<std::vector<lex::Word>> words(std::size_t off, std::size_t len, bool split, bool quotes, bool substitute) {
    lex::WordOptions o;
    o.escape = escape_;
    o.split = split;
    o.quotes = quotes;
    o.lookup = substitute ? (in_stage() ? &stage_lookup_ : &meta_lookup_) : nullptr;
    auto r = lex::process_words(std::string_view(line_->text).substr(off, len), o);
    if (auto* e = std::get_if<lex::WordError>(&r)) return err(line_->at(off + e->offset), e->message);
    auto ws = std::get<std::vector<lex::Word>>(std::move(r));
    for (auto& w : ws) w.offset += off;
    return ws;
  }

  bool in_stage() const { return !plan_.stages.empty(); }
  Stage& stage() { return plan_.stages.back(); }

  Status instruction();
  Status do_from(std::size_t kw, std::size_t rest);
  Status do_arg(Instruction& in, std::size_t rest);
  Status do_env_label(Instruction& in, std::size_t rest);
  Status do_copy(Instruction& in, std::size_t kw, std::size_t rest);
  Status do_command(Instruction& in, std::size_t kw, std::size_t rest);
  Status do_run(Instruction& in, std::size_t rest);
  Status command_words(Instruction& in, std::size_t rest, bool substitute);
  Status do_volume(Instruction& in, std::size_t rest);
  Status do_preinit(Instruction& in, std::size_t rest);
  Status do_path(Instruction& in, std::size_t kw, std::size_t rest);
  Status resolve_references();
  Status prune();
  Status check_expanded(const Instruction& in);

  std::string_view text_;
  std::string file_;
  const ParseOptions& opts_;
  std::vector<std::string_view> src_;
  char escape_ = '\\';
  Plan plan_;
  const LogicalLine* line_ = nullptr;
  SourcePos kw_pos_;

  std::map<std::string, std::optional<std::string>> meta_;  // global ARGs
  std::map<std::string, std::optional<std::string>> args_;  // ARGs of the current stage
  bool cmd_set_ = false;
  lex::Lookup meta_lookup_ = [this](std::string_view name) -> std::optional<std::string> {
    auto it = meta_.find(std::string(name));
    return it == meta_.end() ? std::nullopt : it->second;
  };
  lex::Lookup stage_lookup_ = [this](std::string_view name) -> std::optional<std::string> {
    for (const auto& [k, v] : stage().config.env) {
      if (k == name) return v;
    }
    auto it = args_.find(std::string(name));
    if (it != args_.end()) return it->second;
    if (meta_.count(std::string(name))) {
      warn(kw_pos_, "$" + std::string(name) +
                        " is a global ARG (declared before the first FROM); declare \"ARG " + std::string(name) +
                        "\" inside the stage to use it here");
    }
    return std::nullopt;
  };

  struct PendingFrom {
    std::size_t stage;
    std::size_t instr;
    std::string text;
    SourcePos pos;
  };
  std::vector<PendingFrom> pending_;
  std::size_t expanded_bytes_ = 0;  // all instructions' words after substitution
  std::vector<SourcePos> from_text_pos_;  // per stage: position of the base word
};

Result<Plan> Parser::run() {
  auto lexed = lex::lex_wasmfile(text_);
  if (auto* d = std::get_if<lex::Diag>(&lexed)) return err(d->pos, d->message);
  auto& lx = std::get<lex::Lexed>(lexed);
  escape_ = lx.directives.escape;
  plan_.escape = escape_;
  for (const auto& l : lx.lines) {
    line_ = &l;
    WIMG_TRY(instruction());
  }
  if (plan_.stages.empty()) {
    SourcePos pos{1, 1};
    return err(pos, "no FROM instruction: a Wasmfile needs at least one stage (FROM <image or .wasm>)");
  }
  WIMG_TRY(resolve_references());
  WIMG_TRY(prune());
  std::set<std::string> declared;
  for (const auto& a : plan_.global_args) declared.insert(a.key);
  for (const auto& s : plan_.stages) {
    for (const auto& in : s.instructions) {
      if (in.kind != InstructionKind::Arg) continue;
      for (const auto& p : in.pairs) declared.insert(p.key);
    }
  }
  for (const auto& [k, v] : opts_.build_args) {
    if (!declared.count(k)) plan_.warnings.push_back("build arg \"" + k + "\" was not consumed: no ARG in the stages being built declares it");
  }
  return std::move(plan_);
}

Status Parser::instruction() {
  const std::string& t = line_->text;
  std::size_t i = 0;
  while (i < t.size() && is_blank(t[i])) ++i;
  std::size_t kw = i;
  while (i < t.size() && !is_blank(t[i])) ++i;
  const std::size_t kw_end = i;
  std::string name = upper(std::string_view(t).substr(kw, i - kw));
  while (i < t.size() && is_blank(t[i])) ++i;
  std::size_t rest = i;
  kw_pos_ = line_->at(kw);

  for (const auto& [n, why] : unsupported()) {
    if (name == n) return err(kw_pos_, why);
  }
  if (std::find(supported().begin(), supported().end(), name) == supported().end()) {
    std::string best;
    std::size_t best_d = 3;
    auto consider = [&](const char* cand) {
      std::size_t d = lex::edit_distance(name, cand);
      if (d < best_d && d < name.size()) {
        best_d = d;
        best = cand;
      }
    };
    for (const char* c : supported()) consider(c);
    for (const auto& [n, why] : unsupported()) consider(n);
    std::string shown(std::string_view(t).substr(kw, kw_end - kw));
    return err(kw_pos_, "unknown instruction \"" + shown + "\"" + (best.empty() ? "" : " (did you mean " + best + "?)"));
  }
  if (name == "FROM") return do_from(kw, rest);
  if (!in_stage() && name != "ARG") {
    return err(kw_pos_, name + " before the first FROM: only ARG may come before FROM");
  }

  Instruction in;
  in.loc = Location{kw_pos_.line, kw_pos_.column};
  std::string_view tv(t);
  while (!tv.empty() && is_blank(tv.back())) tv.remove_suffix(1);
  in.text = std::string(tv.substr(kw));
  if (name == "ARG") {
    in.kind = InstructionKind::Arg;
    WIMG_TRY(do_arg(in, rest));
    WIMG_TRY(check_expanded(in));
    if (!in_stage()) {
      for (auto& p : in.pairs) plan_.global_args.push_back(p);
      return {};
    }
  } else if (name == "ENV" || name == "LABEL") {
    in.kind = name == "ENV" ? InstructionKind::Env : InstructionKind::Label;
    WIMG_TRY(do_env_label(in, rest));
  } else if (name == "COPY" || name == "ADD") {
    in.kind = name == "COPY" ? InstructionKind::Copy : InstructionKind::Add;
    WIMG_TRY(do_copy(in, kw, rest));
  } else if (name == "ENTRYPOINT" || name == "CMD") {
    in.kind = name == "CMD" ? InstructionKind::Cmd : InstructionKind::Entrypoint;
    WIMG_TRY(do_command(in, kw, rest));
  } else if (name == "RUN") {
    in.kind = InstructionKind::Run;
    WIMG_TRY(do_run(in, rest));
  } else if (name == "VOLUME") {
    in.kind = InstructionKind::Volume;
    WIMG_TRY(do_volume(in, rest));
  } else if (name == "PREINIT") {
    in.kind = InstructionKind::Preinit;
    WIMG_TRY(do_preinit(in, rest));
  } else {
    in.kind = name == "WORKDIR" ? InstructionKind::Workdir : InstructionKind::Mount;
    WIMG_TRY(do_path(in, kw, rest));
  }
  if (in.kind != InstructionKind::Arg) WIMG_TRY(check_expanded(in));
  stage().instructions.push_back(std::move(in));
  return {};
}

// Each word is bounded (lex::WordOptions::max_word), but chained variables
// could still write a large word on every line; what the instructions add
// up to becomes the image's configuration and history, so it is bounded too.
// That text is JSON, so it must be UTF-8 (a build-arg or a byte in the
// Wasmfile may not be).
Status Parser::check_expanded(const Instruction& in) {
  std::vector<const std::string*> words{&in.path};
  for (const auto& a : in.args) words.push_back(&a);
  for (const auto& e : in.excludes) words.push_back(&e);
  for (const auto& p : in.pairs) {
    words.push_back(&p.key);
    if (p.value) words.push_back(&*p.value);
  }
  for (const std::string* w : words) {
    expanded_bytes_ += w->size();
    if (!utf8::valid(*w)) {
      return err(kw_pos_, std::string(kind_name(in.kind)) +
                              ": a word is not valid UTF-8 after substitution (image configuration and history are UTF-8)");
    }
  }
  if (expanded_bytes_ > kMaxExpandedBytes) {
    return err(kw_pos_, "the instructions add up to more than " + std::to_string(kMaxExpandedBytes) +
                            " bytes after substitution (the limit for an image's configuration and history)");
  }
  return {};
}

Status Parser::do_from(std::size_t kw, std::size_t rest) {
  const std::string& t = line_->text;
  if (t.compare(rest, 2, "--") == 0) {
    std::size_t e = rest;
    while (e < t.size() && !is_blank(t[e]) && t[e] != '=') ++e;
    return err(line_->at(rest), "unknown flag " + t.substr(rest, e - rest) +
                                    " for FROM: FROM takes no flags (a wasm image runs on every platform)");
  }
  // FROM lines see only the global ARGs.
  lex::WordOptions o;
  o.escape = escape_;
  o.lookup = &meta_lookup_;
  auto r = lex::process_words(std::string_view(t).substr(rest), o);
  if (auto* e = std::get_if<lex::WordError>(&r)) return err(line_->at(rest + e->offset), e->message);
  auto ws = std::get<std::vector<lex::Word>>(std::move(r));
  for (auto& w : ws) w.offset += rest;
  if (ws.empty()) return err(line_->at(t.size()), "FROM requires a base: an image name:tag or a path to a .wasm");
  if (ws.size() == 2 || ws.size() > 3 || (ws.size() == 3 && lower(ws[1].text) != "as")) {
    return err(line_->at(ws[1].offset), "FROM takes a base and an optional \"AS name\"");
  }
  Stage s;
  s.index = plan_.stages.size();
  s.loc = Location{kw_pos_.line, kw_pos_.column};
  std::string_view tv(t);
  while (!tv.empty() && is_blank(tv.back())) tv.remove_suffix(1);
  s.text = std::string(tv.substr(kw));
  if (ws.size() == 3) {
    s.name = lower(ws[2].text);
    if (!valid_stage_name(s.name)) {
      return err(line_->at(ws[2].offset), "invalid stage name \"" + ws[2].text +
                                              "\": use a letter followed by letters, digits, '-', '_' or '.'");
    }
    for (const auto& other : plan_.stages) {
      if (other.name == s.name) {
        return err(line_->at(ws[2].offset), "duplicate stage name \"" + s.name + "\" (first defined at " + file_ +
                                                ":" + std::to_string(other.loc.line) + ")");
      }
    }
  }
  const std::string& base = ws[0].text;
  s.from.text = base;
  if (base.empty()) return err(line_->at(ws[0].offset), "FROM requires a base: the base is empty after substitution");
  std::string lb = lower(base);
  const Stage* parent = nullptr;
  for (const auto& other : plan_.stages) {
    if (!other.name.empty() && other.name == lb) parent = &other;
  }
  if (parent) {
    s.from.kind = FromRef::Kind::Stage;
    s.from.stage = parent->index;
    s.config = parent->config;
  } else if (lb.ends_with(".wasm") || base.starts_with("/") || base.starts_with("./") || base.starts_with("../")) {
    s.from.kind = FromRef::Kind::Wasm;
    s.from.path = base;
  } else {
    auto ref = image::parse_reference(base);
    if (!ref.ok()) {
      return err(line_->at(ws[0].offset), "invalid base \"" + base + "\": not an earlier stage, not a .wasm path and not an image reference (" +
                                              ref.error().message + ")");
    }
    s.from.kind = FromRef::Kind::Image;
    s.from.image = ref->str();
  }
  from_text_pos_.push_back(line_->at(ws[0].offset));
  plan_.stages.push_back(std::move(s));
  args_.clear();
  cmd_set_ = false;
  return {};
}

Status Parser::do_arg(Instruction& in, std::size_t rest) {
  WIMG_ASSIGN(auto ws, words(rest, std::string::npos, true, true, true));
  if (ws.empty()) return err(kw_pos_, "ARG requires a name: ARG NAME or ARG NAME=default");
  for (const auto& w : ws) {
    auto eq = w.text.find('=');
    std::string name = w.text.substr(0, eq);
    if (!valid_var_name(name)) {
      return err(line_->at(w.offset), "invalid ARG name \"" + name + "\": use letters, digits and '_', not starting with a digit");
    }
    KeyValue kv{name, std::nullopt};
    if (auto b = opts_.build_args.find(name); b != opts_.build_args.end()) {
      kv.value = b->second;
    } else if (eq != std::string::npos) {
      kv.value = w.text.substr(eq + 1);
    } else if (in_stage()) {
      if (auto m = meta_.find(name); m != meta_.end()) kv.value = m->second;
    }
    if (in_stage()) {
      args_[name] = kv.value;
    } else {
      meta_[name] = kv.value;
    }
    in.pairs.push_back(std::move(kv));
  }
  return {};
}

Status Parser::do_env_label(Instruction& in, std::size_t rest) {
  const std::string& t = line_->text;
  const char* what = in.kind == InstructionKind::Env ? "ENV" : "LABEL";
  WIMG_ASSIGN(auto raw, words(rest, std::string::npos, true, true, false));
  if (raw.empty()) return err(kw_pos_, std::string(what) + " requires at least one KEY=VALUE");
  if (raw[0].text.find('=') == std::string::npos) {
    // Legacy form: ENV KEY VALUE (the value is the rest of the line).
    std::size_t e = rest;
    while (e < t.size() && !is_blank(t[e])) ++e;
    std::size_t v = e;
    while (v < t.size() && is_blank(t[v])) ++v;
    std::size_t vend = t.size();
    while (vend > v && is_blank(t[vend - 1])) --vend;
    if (v >= vend) {
      return err(line_->at(rest), std::string(what) + " " + raw[0].text + " has no value: write " + what + " " +
                                      raw[0].text + "=VALUE");
    }
    WIMG_ASSIGN(auto key, words(rest, e - rest, false, true, true));
    WIMG_ASSIGN(auto val, words(v, vend - v, false, true, true));
    in.pairs.push_back(KeyValue{key[0].text, val[0].text});
    in.notes.push_back(std::string("legacy form \"") + what + " KEY VALUE\"; prefer " + what + " KEY=VALUE");
  } else {
    WIMG_ASSIGN(auto ws, words(rest, std::string::npos, true, true, true));
    for (const auto& w : ws) {
      auto eq = w.text.find('=');
      if (eq == std::string::npos) {
        return err(line_->at(w.offset), std::string(what) + " expects KEY=VALUE pairs, got \"" + w.text + "\"");
      }
      in.pairs.push_back(KeyValue{w.text.substr(0, eq), w.text.substr(eq + 1)});
    }
  }
  for (const auto& p : in.pairs) {
    if (p.key.empty()) return err(kw_pos_, std::string(what) + " with an empty key");
  }
  auto& cfg = stage().config;
  for (const auto& p : in.pairs) {
    if (in.kind == InstructionKind::Label) {
      cfg.labels[p.key] = *p.value;
      continue;
    }
    auto it = std::find_if(cfg.env.begin(), cfg.env.end(), [&](const auto& e) { return e.first == p.key; });
    if (it != cfg.env.end()) {
      it->second = *p.value;
    } else {
      cfg.env.emplace_back(p.key, *p.value);
    }
  }
  return {};
}

Status Parser::do_copy(Instruction& in, std::size_t kw, std::size_t rest) {
  const std::string& t = line_->text;
  const bool is_copy = in.kind == InstructionKind::Copy;
  const std::string what = is_copy ? "COPY" : "ADD";
  std::size_t p = rest;
  std::optional<std::string> from_text;
  SourcePos from_pos;
  while (t.compare(p, 2, "--") == 0) {
    std::size_t e = p;
    while (e < t.size() && !is_blank(t[e])) ++e;
    SourcePos fpos = line_->at(p);
    WIMG_ASSIGN(auto fw, words(p, e - p, false, true, true));
    const std::string& flag = fw[0].text;
    auto eq = flag.find('=');
    std::string name = flag.substr(2, eq == std::string::npos ? std::string::npos : eq - 2);
    if (name == "chown") return err(fpos, "--chown is not supported: files in a wasm image have no owner");
    bool known = name == "chmod" || name == "exclude" || (is_copy && name == "from");
    if (!known) {
      return err(fpos, "unknown flag --" + name + " for " + what + " (" + what + " accepts " +
                           (is_copy ? "--from=, --chmod=, --exclude=" : "--chmod=, --exclude=") + ")");
    }
    if (eq == std::string::npos || eq + 1 == flag.size()) {
      return err(fpos, "flag --" + name + " needs a value: --" + name + "=VALUE");
    }
    std::string value = flag.substr(eq + 1);
    if (name == "exclude") {
      in.excludes.push_back(value);
    } else if (name == "chmod") {
      if (in.chmod) return err(fpos, "flag --chmod is given twice");
      bool ok = value.size() <= 5 && std::all_of(value.begin(), value.end(), [](char c) { return c >= '0' && c <= '7'; });
      std::uint32_t mode = 0;
      if (ok) {
        for (char c : value) mode = mode * 8 + static_cast<std::uint32_t>(c - '0');
        ok = mode <= 07777;
      }
      if (!ok) return err(fpos, "invalid --chmod value \"" + value + "\": expected an octal mode such as 755 or 0644");
      in.chmod = mode;
    } else {
      if (from_text) return err(fpos, "flag --from is given twice");
      from_text = value;
      from_pos = fpos;
    }
    p = e;
    while (p < t.size() && is_blank(t[p])) ++p;
  }
  std::vector<lex::Word> ws;
  if (p < t.size() && t[p] == '[') {
    in.form = Form::Exec;
    auto r = lex::parse_json_array(std::string_view(t).substr(p));
    if (auto* e = std::get_if<lex::WordError>(&r)) return err(line_->at(p + e->offset), e->message);
    lex::WordOptions o;
    o.escape = escape_;
    o.split = false;
    o.quotes = false;
    o.lookup = &stage_lookup_;
    for (const auto& s : std::get<std::vector<std::string>>(r)) {
      auto sr = lex::process_words(s, o);
      if (auto* e = std::get_if<lex::WordError>(&sr)) return err(line_->at(p), e->message);
      ws.push_back(lex::Word{std::get<std::vector<lex::Word>>(sr)[0].text, p});
    }
  } else {
    WIMG_ASSIGN(ws, words(p, std::string::npos, true, true, true));
  }
  (void)kw;
  if (ws.size() < 2) {
    return err(ws.empty() ? line_->at(t.size()) : line_->at(ws[0].offset),
               what + " requires at least one source and a destination");
  }
  for (std::size_t i = 0; i + 1 < ws.size(); ++i) {
    if (ws[i].text.empty()) return err(line_->at(ws[i].offset), what + " source is empty");
    if (!is_copy && is_url(ws[i].text)) {
      return err(line_->at(ws[i].offset), "ADD of a URL is not supported: builds never touch the network");
    }
    in.args.push_back(ws[i].text);
  }
  const auto& dest = ws.back();
  if (dest.text.empty()) return err(line_->at(dest.offset), what + " destination is empty");
  if (ws.size() > 2 && !dest.text.ends_with("/")) {
    return err(line_->at(dest.offset), what + " with several sources needs a directory destination ending in /");
  }
  in.path = lex::resolve_path(stage().config.workdir, dest.text, true);
  if (from_text) {
    pending_.push_back(PendingFrom{plan_.stages.size() - 1, stage().instructions.size(), *from_text, from_pos});
  }
  return {};
}

// ENTRYPOINT, CMD and RUN: a JSON array (exec form, the words as written)
// or words split like sh would (shell form: there is no shell, so `$VAR`
// is substituted only where the Wasmfile is the last to see it, RUN).
Status Parser::command_words(Instruction& in, std::size_t rest, bool substitute) {
  const std::string& t = line_->text;
  if (t[rest] == '[') {
    in.form = Form::Exec;
    auto r = lex::parse_json_array(std::string_view(t).substr(rest));
    if (auto* e = std::get_if<lex::WordError>(&r)) return err(line_->at(rest + e->offset), e->message);
    in.args = std::get<std::vector<std::string>>(std::move(r));
    return {};
  }
  in.form = Form::Shell;
  WIMG_ASSIGN(auto ws, words(rest, std::string::npos, true, true, substitute));
  for (auto& w : ws) in.args.push_back(std::move(w.text));
  in.notes.push_back(std::string("shell form: there is no shell; the words are split like sh would and run directly") +
                     (substitute ? "" : " (no $VAR expansion)"));
  return {};
}

Status Parser::do_command(Instruction& in, std::size_t kw, std::size_t rest) {
  const std::string& t = line_->text;
  const std::string what = in.kind == InstructionKind::Cmd ? "CMD" : "ENTRYPOINT";
  (void)kw;
  if (rest >= t.size()) return err(line_->at(t.size()), what + " requires a command");
  WIMG_TRY(command_words(in, rest, /*substitute=*/false));
  auto& cfg = stage().config;
  if (in.kind == InstructionKind::Cmd) {
    cfg.cmd = in.args;
    cmd_set_ = true;
  } else {
    cfg.entrypoint = in.args;
    if (!cmd_set_) cfg.cmd.reset();  // Docker: a new ENTRYPOINT drops an inherited CMD
    if (in.form == Form::Shell) in.notes.push_back("as in Docker, a shell-form ENTRYPOINT ignores CMD");
  }
  return {};
}

// RUN ["prog", "arg"] (exec form: the words as written) or RUN prog arg
// (no shell: split like sh would, with ARG/ENV substituted, since no shell
// will do it at run time). A flag (RUN --mount=..., --network=...) is
// refused rather than ignored.
Status Parser::do_run(Instruction& in, std::size_t rest) {
  const std::string& t = line_->text;
  if (rest >= t.size()) return err(line_->at(t.size()), "RUN requires a command");
  if (t.compare(rest, 2, "--") == 0) {
    return err(line_->at(rest), "RUN takes no flags: RUN --mount, --network and --security are not supported "
                                "(a RUN has no network and sees only the image)");
  }
  WIMG_TRY(command_words(in, rest, /*substitute=*/true));
  if (in.args.empty() || in.args.front().empty()) return err(line_->at(rest), "RUN requires a command");
  return {};
}

// VOLUME ["/a", "/b"] or VOLUME /a /b (Docker's forms): guest dirs,
// relative ones against WORKDIR. `args` holds them resolved.
Status Parser::do_volume(Instruction& in, std::size_t rest) {
  const std::string& t = line_->text;
  std::vector<std::string> given;
  if (rest < t.size() && t[rest] == '[') {
    in.form = Form::Exec;
    auto r = lex::parse_json_array(std::string_view(t).substr(rest));
    if (auto* e = std::get_if<lex::WordError>(&r)) return err(line_->at(rest + e->offset), e->message);
    given = std::get<std::vector<std::string>>(std::move(r));
  } else {
    WIMG_ASSIGN(auto ws, words(rest, std::string::npos, true, true, true));
    for (auto& w : ws) given.push_back(std::move(w.text));
  }
  if (given.empty()) return err(line_->at(t.size()), "VOLUME requires a guest directory");
  auto& cfg = stage().config;
  for (const auto& g : given) {
    if (g.empty()) return err(line_->at(rest), "VOLUME: an empty path");
    std::string path = lex::resolve_path(cfg.workdir, g, false);
    if (path == "/") return err(line_->at(rest), "VOLUME /: the root cannot be a volume");
    in.args.push_back(path);
    if (std::find(cfg.volumes.begin(), cfg.volumes.end(), path) == cfg.volumes.end()) cfg.volumes.push_back(path);
  }
  return {};
}

// PREINIT (no words) or PREINIT ["-r", "json", ...] (exec form only: the
// words are the interpreter's options, image/preinit.h). The image's
// config gets the label wimg.preinit; the last PREINIT wins.
Status Parser::do_preinit(Instruction& in, std::size_t rest) {
  const std::string& t = line_->text;
  if (rest < t.size()) {
    if (t[rest] != '[') {
      return err(line_->at(rest), "PREINIT takes no words or a JSON array of interpreter options, e.g. PREINIT [\"-r\", \"json\"]");
    }
    in.form = Form::Exec;
    auto r = lex::parse_json_array(std::string_view(t).substr(rest));
    if (auto* e = std::get_if<lex::WordError>(&r)) return err(line_->at(rest + e->offset), e->message);
    in.args = std::get<std::vector<std::string>>(std::move(r));
  }
  stage().config.labels[std::string(image::kPreinitLabel)] = image::preinit_label(in.args);
  return {};
}

Status Parser::do_path(Instruction& in, std::size_t kw, std::size_t rest) {
  const std::string& t = line_->text;
  const bool workdir = in.kind == InstructionKind::Workdir;
  (void)kw;
  WIMG_ASSIGN(auto ws, words(rest, std::string::npos, !workdir, true, true));
  if (ws.empty() || (ws.size() == 1 && ws[0].text.empty())) {
    return err(line_->at(t.size()), std::string(workdir ? "WORKDIR requires a path" : "MOUNT requires a guest directory"));
  }
  if (ws.size() > 1) return err(line_->at(ws[1].offset), "MOUNT takes exactly one guest directory");
  auto& cfg = stage().config;
  in.args.push_back(ws[0].text);
  in.path = lex::resolve_path(cfg.workdir, ws[0].text, false);
  if (workdir) {
    cfg.workdir = in.path;
  } else if (std::find(cfg.mounts.begin(), cfg.mounts.end(), in.path) == cfg.mounts.end()) {
    cfg.mounts.push_back(in.path);
  }
  return {};
}

Status Parser::resolve_references() {
  auto& st = plan_.stages;
  // FROM x where x names a later stage (or the stage itself).
  for (std::size_t i = 0; i < st.size(); ++i) {
    if (st[i].from.kind != FromRef::Kind::Image) continue;
    std::string lb = lower(st[i].from.text);
    for (std::size_t j = i; j < st.size(); ++j) {
      if (st[j].name.empty() || st[j].name != lb) continue;
      if (j == i) return err(from_text_pos_[i], "stage \"" + lb + "\" cannot be built FROM itself");
      return err(from_text_pos_[i], "FROM \"" + st[i].from.text + "\" refers to stage \"" + lb + "\", which is defined later (line " +
                                        std::to_string(st[j].loc.line) + "); a stage can only build on earlier stages");
    }
  }
  for (const auto& pf : pending_) {
    Instruction& in = st[pf.stage].instructions[pf.instr];
    const std::string flag = "COPY --from=" + pf.text;
    std::optional<std::size_t> idx;
    if (all_digits(pf.text)) {
      std::size_t n = std::stoul(pf.text);
      if (n >= st.size()) {
        return err(pf.pos, flag + ": there is no stage " + pf.text + " (stages are numbered 0 to " +
                               std::to_string(st.size() - 1) + ")");
      }
      idx = n;
    } else {
      std::string lt = lower(pf.text);
      for (const auto& s : st) {
        if (!s.name.empty() && s.name == lt) idx = s.index;
      }
    }
    if (idx) {
      if (*idx == pf.stage) return err(pf.pos, flag + " refers to its own stage");
      if (*idx > pf.stage) {
        return err(pf.pos, flag + " refers to stage " + std::to_string(*idx) +
                               (st[*idx].name.empty() ? "" : " \"" + st[*idx].name + "\"") + ", which is defined later (line " +
                               std::to_string(st[*idx].loc.line) + "); COPY --from can only use earlier stages");
      }
      in.from.kind = CopySource::Kind::Stage;
      in.from.stage = *idx;
      continue;
    }
    auto ref = image::parse_reference(pf.text);
    if (!ref.ok()) {
      return err(pf.pos, flag + ": not a stage and not a valid image reference (" + ref.error().message + ")");
    }
    in.from.kind = CopySource::Kind::Image;
    in.from.image = ref->str();
  }
  return {};
}

Status Parser::prune() {
  if (!opts_.target) return {};
  auto& st = plan_.stages;
  const std::string& t = *opts_.target;
  std::optional<std::size_t> target;
  if (all_digits(t)) {
    if (std::stoul(t) < st.size()) target = std::stoul(t);
  } else {
    for (const auto& s : st) {
      if (!s.name.empty() && s.name == lower(t)) target = s.index;
    }
  }
  if (!target) {
    std::string names;
    for (const auto& s : st) {
      if (s.name.empty()) continue;
      names += names.empty() ? "" : ", ";
      names += s.name;
    }
    return make_error(ErrorKind::Usage, "target stage \"" + t + "\" not found in " + file_ +
                                            (names.empty() ? std::string(" (it has no named stages)") : " (stages: " + names + ")"));
  }
  std::vector<bool> keep(st.size(), false);
  std::vector<std::size_t> work{*target};
  while (!work.empty()) {
    std::size_t i = work.back();
    work.pop_back();
    if (keep[i]) continue;
    keep[i] = true;
    if (st[i].from.kind == FromRef::Kind::Stage) work.push_back(st[i].from.stage);
    for (const auto& in : st[i].instructions) {
      if (in.from.kind == CopySource::Kind::Stage) work.push_back(in.from.stage);
    }
  }
  std::vector<Stage> kept;
  for (std::size_t i = 0; i <= *target; ++i) {
    if (keep[i]) kept.push_back(std::move(st[i]));
  }
  st = std::move(kept);
  return {};
}

}  // namespace

const char* kind_name(InstructionKind k) {
  switch (k) {
    case InstructionKind::Arg: return "ARG";
    case InstructionKind::Copy: return "COPY";
    case InstructionKind::Add: return "ADD";
    case InstructionKind::Env: return "ENV";
    case InstructionKind::Label: return "LABEL";
    case InstructionKind::Workdir: return "WORKDIR";
    case InstructionKind::Entrypoint: return "ENTRYPOINT";
    case InstructionKind::Cmd: return "CMD";
    case InstructionKind::Mount: return "MOUNT";
    case InstructionKind::Volume: return "VOLUME";
    case InstructionKind::Run: return "RUN";
    case InstructionKind::Preinit: return "PREINIT";
  }
  return "?";
}

Result<Plan> parse_wasmfile(std::string_view text, std::string_view file_name, const ParseOptions& opts) {
  return Parser(text, file_name, opts).run();
}

}  // namespace wimg::recipe
