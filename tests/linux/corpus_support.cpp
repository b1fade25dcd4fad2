#include "tests/linux/corpus_support.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace bpfcert::tests {

namespace fs = std::filesystem;

CorpusProgram parse_annotations(const std::string& name, const std::string& text) {
  CorpusProgram p;
  p.name = name;
  std::istringstream in(text);
  std::string line;
  int number = 0;
  while (std::getline(in, line)) {
    ++number;
    const size_t at = line.find("bpfcert: ");
    if (at == std::string::npos) continue;
    std::istringstream words(line.substr(at + 9));
    std::string kind, value;
    words >> kind >> value;
    if (kind == "expect") {
      p.expect_accept = value == "accept";
    } else if (kind == "finding") {
      p.findings.push_back({value, number});
    } else if (kind == "kernel") {
      p.kernel_accepts = value == "accept";
      std::getline(words, p.kernel_note);
      p.kernel_note.erase(0, p.kernel_note.find_first_not_of(' '));
    }
  }
  return p;
}

std::string corpus_unavailable_reason() {
  if (!fs::is_directory(BPFCERT_PROGRAMS_OUT)) {
    return "corpus/programs was not built (clang-19 missing when CMake ran): " BPFCERT_PROGRAMS_OUT;
  }
  return {};
}

std::vector<CorpusProgram> corpus_programs() {
  std::vector<CorpusProgram> out;
  if (!corpus_unavailable_reason().empty()) return out;
  for (const auto& entry : fs::directory_iterator(BPFCERT_PROGRAMS_SRC)) {
    if (entry.path().extension() != ".c") continue;
    std::ifstream in(entry.path());
    std::stringstream ss;
    ss << in.rdbuf();
    CorpusProgram p = parse_annotations(entry.path().stem().string(), ss.str());
    p.source = entry.path().string();
    p.object = (fs::path(BPFCERT_PROGRAMS_OUT) / (p.name + ".o")).string();
    out.push_back(std::move(p));
  }
  std::sort(out.begin(), out.end(), [](const CorpusProgram& a, const CorpusProgram& b) { return a.name < b.name; });
  return out;
}

std::map<std::pair<std::string, std::string>, Deviation> known_deviations() {
  std::map<std::pair<std::string, std::string>, Deviation> out;
  std::ifstream in(std::string(BPFCERT_SOURCE_DIR) + "/tests/linux/known_deviations.txt");
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    const size_t sep = line.find(" -- ");
    std::istringstream words(line.substr(0, sep));
    std::string stem, function, finding, observed;
    words >> stem >> function;
    while (words >> finding) observed += (observed.empty() ? "" : " ") + finding;
    out[{stem, function}] = Deviation{observed, sep == std::string::npos ? "" : line.substr(sep + 4)};
  }
  return out;
}

}  // namespace bpfcert::tests
