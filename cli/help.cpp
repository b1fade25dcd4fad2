#include "cli/help.h"

#include <fmt/format.h>

#include <filesystem>
#include <iostream>
#include <set>

#include "cli/input.h"
#include "cli/options.h"
#include "semantics/suggest.h"

namespace bpfcert::cli {

namespace {

std::vector<const CLI::App*> commands_of(const CLI::App& app) {
  std::vector<const CLI::App*> out;
  for (const CLI::App* c : app.get_subcommands([](const CLI::App* a) { return !a->get_name().empty(); })) {
    if (!c->get_group().empty()) out.push_back(c);  // "" group: hidden
  }
  return out;
}

// Every option of `cmd`, its option groups' included ("ELF objects").
std::vector<const CLI::Option*> options_of(const CLI::App* cmd) {
  std::vector<const CLI::Option*> out = cmd->get_options();
  for (const CLI::App* g : cmd->get_subcommands([](const CLI::App* a) { return a->get_name().empty(); })) {
    for (const CLI::Option* o : g->get_options()) out.push_back(o);
  }
  return out;
}

// The values an option accepts when a validator lists them ("TEXT:{conformance,llvm}").
std::vector<std::string> choices(const CLI::Option* o) {
  const std::string t = o->get_type_name();
  const size_t open = t.find('{'), close = t.rfind('}');
  std::vector<std::string> out;
  if (open == std::string::npos || close == std::string::npos || close < open) return out;
  std::string item;
  for (const char c : t.substr(open + 1, close - open - 1)) {
    if (c == ',') {
      out.push_back(item);
      item.clear();
    } else if (c != ' ') {
      item += c;
    }
  }
  if (!item.empty()) out.push_back(item);
  return out;
}

std::string roff_escape(std::string_view text) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '\\') {
      out += "\\e";
    } else if (c == '-') {
      out += "\\-";
    } else if ((c == '.' || c == '\'') && (i == 0 || text[i - 1] == '\n')) {
      out += "\\&";
      out += c;
    } else {
      out += c;
    }
  }
  return out;
}

std::string option_synopsis(const CLI::Option* o) {
  std::string names;
  for (const std::string& s : o->get_snames()) names += fmt::format("{}\\fB\\-{}\\fR", names.empty() ? "" : ", ", s);
  for (const std::string& l : o->get_lnames()) names += fmt::format("{}\\fB\\-\\-{}\\fR", names.empty() ? "" : ", ", roff_escape(l));
  if (o->get_items_expected_max() > 0 && o->get_type_size() > 0) {
    std::string type = o->get_type_name();
    if (const size_t colon = type.find(':'); colon != std::string::npos) type.resize(colon);
    names += fmt::format(" \\fI{}\\fR", roff_escape(type));
  }
  return names;
}

std::string full_name(const CLI::App* cmd) {
  std::string name = cmd->get_name();
  for (const CLI::App* p = cmd->get_parent(); p != nullptr && p->get_parent() != nullptr; p = p->get_parent()) {
    name = p->get_name() + " " + name;
  }
  return name;
}

}  // namespace

std::string man_page(const CLI::App& app, const CLI::App* cmd) {
  const bool top = cmd == nullptr || cmd == &app;
  if (top) cmd = &app;
  std::string dashed = top ? "bpfcert" : "bpfcert-" + full_name(cmd);
  for (char& c : dashed) c = c == ' ' ? '-' : c;
  std::string upper = dashed;
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  std::string out = fmt::format(".TH {} 1 \"\" \"bpfcert {}\" \"bpfcert manual\"\n", upper, version());
  out += fmt::format(".SH NAME\n{} \\- {}\n", roff_escape(dashed), roff_escape(cmd->get_description()));
  out += ".SH SYNOPSIS\n";
  std::string positionals;
  for (const CLI::Option* o : options_of(cmd)) {
    if (o->get_positional() && o->get_lnames().empty() && o->get_snames().empty()) {
      const std::string n = o->get_name(true);
      positionals += o->get_required() ? fmt::format(" \\fI{}\\fR", n) : fmt::format(" [\\fI{}\\fR]", n);
      if (o->get_items_expected_max() > 1) positionals += "...";
    }
  }
  const std::vector<const CLI::App*> subs = commands_of(*cmd);
  out += fmt::format(".B bpfcert{}\n[\\fIOPTIONS\\fR]{}{}\n", top ? "" : " " + full_name(cmd),
                     subs.empty() ? "" : " \\fICOMMAND\\fR", positionals);
  out += ".SH OPTIONS\n";
  for (const CLI::Option* o : options_of(cmd)) {
    if (o->get_lnames().empty() && o->get_snames().empty()) continue;
    if (o->get_group().empty()) continue;  // hidden
    out += fmt::format(".TP\n{}\n{}\n", option_synopsis(o), roff_escape(o->get_description()));
    const std::vector<std::string> values = choices(o);
    if (!values.empty()) {
      std::string list;
      for (const std::string& v : values) list += (list.empty() ? "" : ", ") + v;
      out += fmt::format("One of: {}.\n", roff_escape(list));
    }
  }
  if (!subs.empty()) {
    out += ".SH COMMANDS\n";
    for (const CLI::App* s : subs) {
      std::string page = "bpfcert-" + full_name(s);
      for (char& c : page) c = c == ' ' ? '-' : c;
      out += fmt::format(".TP\n\\fB{}\\fR\n{} See \\fB{}\\fR(1).\n", roff_escape(s->get_name()), roff_escape(s->get_description()),
                         roff_escape(page));
    }
  }
  if (const HelpText* h = help_text(cmd)) {
    out += ".SH EXAMPLES\n";
    for (const auto& [line, comment] : h->examples) {
      out += fmt::format(".PP\n{}\n.RS\n.nf\n{}\n.fi\n.RE\n", roff_escape(comment), roff_escape(line));
    }
    out += fmt::format(".SH EXIT STATUS\n.TP\n0\n{}\n", roff_escape(h->exit_ok));
    if (!h->exit_verdict.empty()) out += fmt::format(".TP\n1\n{}\n", roff_escape(h->exit_verdict));
    out += ".TP\n2\nusage or input error\n";
  }
  out += ".SH SEE ALSO\n";
  if (top) {
    std::string pages;
    for (const CLI::App* s : subs) pages += fmt::format("{}\\fBbpfcert\\-{}\\fR(1)", pages.empty() ? "" : ", ", roff_escape(s->get_name()));
    out += pages + "\n";
  } else {
    out += "\\fBbpfcert\\fR(1)\n";
  }
  return out;
}

std::string bash_completion(const CLI::App& app) {
  // One case arm per command path ("verify", "report merge"): its options, the options that
  // take a value (completed as files unless they list their values), and its subcommands.
  std::string arms, value_arms;
  std::set<std::string> seen_values;
  auto add_command = [&](const CLI::App* cmd, const std::string& path, auto&& self) -> void {
    std::string words, valued;
    for (const CLI::Option* o : options_of(cmd)) {
      if (o->get_group().empty()) continue;
      for (const std::string& s : o->get_snames()) words += " -" + s;
      for (const std::string& l : o->get_lnames()) words += " --" + l;
      const std::vector<std::string> values = choices(o);
      if (o->get_type_size() > 0 && !o->get_lnames().empty()) {
        for (const std::string& l : o->get_lnames()) valued += " --" + l;
        for (const std::string& s : o->get_snames()) valued += " -" + s;
      }
      if (!values.empty()) {
        std::string list;
        for (const std::string& v : values) list += (list.empty() ? "" : " ") + v;
        for (const std::string& l : o->get_lnames()) {
          const std::string key = path + " --" + l;
          if (seen_values.insert(key).second) value_arms += fmt::format("    \"{}\") COMPREPLY=($(compgen -W \"{}\" -- \"$cur\")); return ;;\n", key, list);
        }
      }
    }
    std::string subs;
    for (const CLI::App* s : commands_of(*cmd)) subs += " " + s->get_name();
    arms += fmt::format("    \"{}\") opts=\"{}\"; valued=\"{}\"; subs=\"{}\" ;;\n", path, words.empty() ? "" : words.substr(1),
                        valued.empty() ? "" : valued.substr(1), subs.empty() ? "" : subs.substr(1));
    for (const CLI::App* s : commands_of(*cmd)) self(s, path.empty() ? s->get_name() : path + " " + s->get_name(), self);
  };
  add_command(&app, "", add_command);
  return fmt::format(R"(# bash completion for bpfcert (generated by `bpfcert help --completion bash`)
_bpfcert() {{
  local cur="${{COMP_WORDS[COMP_CWORD]}}" prev="${{COMP_WORDS[COMP_CWORD-1]}}"
  local path="" opts="" valued="" subs="" i word
  # The command path: the words naming subcommands, in order ("report merge").
  for ((i = 1; i < COMP_CWORD; i++)); do
    word="${{COMP_WORDS[i]}}"
    case "$word" in -*) continue ;; esac
    case " $(_bpfcert_subs "$path") " in *" $word "*) path="${{path:+$path }}$word" ;; esac
  done
  case "$path $prev" in
{}  esac
  _bpfcert_arm "$path"
  case " $valued " in *" $prev "*) COMPREPLY=($(compgen -f -- "$cur")); return ;; esac
  if [[ "$cur" == -* ]]; then
    COMPREPLY=($(compgen -W "$opts" -- "$cur"))
  elif [ -n "$subs" ]; then
    COMPREPLY=($(compgen -W "$subs" -- "$cur"))
  else
    COMPREPLY=($(compgen -f -- "$cur"))
  fi
}}
_bpfcert_arm() {{
  case "$1" in
{}  esac
}}
_bpfcert_subs() {{
  local opts valued subs
  _bpfcert_arm "$1"
  echo "$subs"
}}
complete -o filenames -o bashdefault -F _bpfcert bpfcert
)",
                     value_arms, arms);
}

std::string unknown_command_message(const CLI::App& app, int argc, const char* const* argv) {
  if (argc < 2) return {};
  const std::string word = argv[1];
  if (word.empty() || word.front() == '-') return {};
  std::vector<std::string> names;
  for (const CLI::App* c : commands_of(app)) {
    if (c->get_name() == word) return {};
    names.push_back(c->get_name());
  }
  return fmt::format("bpfcert: unknown command '{}'{} (`bpfcert help` lists the commands)", word,
                     semantics::did_you_mean(semantics::closest_name(word, names)));
}

void add_help_command(CLI::App& app, int* exit_code) {
  auto* cmd = app.add_subcommand("help", "Show the help of bpfcert or of one command");
  struct Options {
    std::vector<std::string> command;
    bool man = false;
    std::string completion, man_dir, output = "-";
  };
  auto o = std::make_shared<Options>();
  cmd->add_option("COMMAND", o->command, "the command (and subcommand) to describe");
  cmd->add_flag("--man", o->man, "print the command's man page (roff) instead")->group("");
  cmd->add_option("--completion", o->completion, "print the completion script of this shell")
      ->check(CLI::IsMember({"bash"}))
      ->group("");
  cmd->add_option("--man-dir", o->man_dir, "write the man page of bpfcert and of every command into this folder")->group("");
  cmd->add_option("-o,--output", o->output, "write to this file ('-': standard output)")->group("");
  set_help(cmd, {{{"bpfcert help", "the commands"},
                  {"bpfcert help verify", "what `bpfcert verify --help` prints"},
                  {"bpfcert help report merge", "a subcommand's help"}},
                 "the help was printed",
                 ""});
  cmd->callback([&app, o, exit_code] {
    if (!o->completion.empty()) {
      *exit_code = write_output(o->output, bash_completion(app)) ? kExitOk : kExitInput;
      return;
    }
    if (!o->man_dir.empty()) {
      std::error_code ec;
      std::filesystem::create_directories(o->man_dir, ec);
      bool ok = write_output(o->man_dir + "/bpfcert.1", man_page(app, &app));
      auto write_pages = [&](const CLI::App* parent, auto&& self) -> void {
        for (const CLI::App* c : commands_of(*parent)) {
          std::string name = "bpfcert-" + full_name(c);
          for (char& ch : name) ch = ch == ' ' ? '-' : ch;
          ok = write_output(o->man_dir + "/" + name + ".1", man_page(app, c)) && ok;
          self(c, self);
        }
      };
      write_pages(&app, write_pages);
      *exit_code = ok ? kExitOk : kExitInput;
      return;
    }
    const CLI::App* target = &app;
    for (const std::string& name : o->command) {
      const CLI::App* next = nullptr;
      std::vector<std::string> names;
      for (const CLI::App* c : commands_of(*target)) {
        names.push_back(c->get_name());
        if (c->get_name() == name) next = c;
      }
      if (next == nullptr) {
        std::cerr << fmt::format("bpfcert help: unknown command '{}'{}\n", name,
                                 semantics::did_you_mean(semantics::closest_name(name, names)));
        *exit_code = kExitInput;
        return;
      }
      target = next;
    }
    if (o->man) {
      *exit_code = write_output(o->output, man_page(app, target)) ? kExitOk : kExitInput;
      return;
    } else {
      // The formatter, not App::help(): that shows the help of the subcommand parsed last ("help").
      const CLI::App* parent = target->get_parent();
      const std::string prefix = target == &app ? "" : parent == &app ? "bpfcert" : "bpfcert " + full_name(parent);
      std::cout << target->get_formatter()->make_help(target, prefix.empty() ? target->get_name() : prefix + " " + target->get_name(),
                                                      CLI::AppFormatMode::Normal);
    }
    *exit_code = kExitOk;
  });
}

}  // namespace bpfcert::cli
