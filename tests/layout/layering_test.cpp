// The layering the README's layout table describes, enforced: every `#include "..."` in the
// tree is an edge from the including file's folder to the included file's folder, and each
// edge must be one the table's "may use" column allows. The table is read from README.md, so
// the picture and the code cannot drift apart: a new dependency changes the table (and its
// reviewers see it) or fails here.
//
// How the table is read. A row names one or more folders in its first column (`tests/`,
// `bench/`, `fuzz/` form one row: files in any of them belong to it). A file belongs to the
// row of the longest folder that holds it (`verifier/smt/x.cpp` to `verifier/smt/`, not
// `verifier/`). The last column is a comma-separated list: an item whose first words name a
// row's folder (`interp`, `verifier/smt`) allows that folder, and backticked file names in its
// parentheses restrict the edge to those including files ("interp (replays:
// `witness_replay.cpp`)"); "all of the above" allows every folder of the rows above; any other
// item is an external library (fmt, Z3, ...), which this test does not check. A row may always
// include itself.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <unistd.h>

namespace {

namespace fs = std::filesystem;

struct Allowance {
  std::string folder;             // a row's first folder, as the key of the row
  std::set<std::string> only_in;  // if not empty: only from files with these names
};

struct Row {
  std::vector<std::string> folders;  // "semantics/", "verifier/smt/", ...
  std::vector<Allowance> may_use;
};

struct Table {
  std::vector<Row> rows;
  std::string error;  // why the table could not be read
};

std::string trim(std::string s) {
  const auto not_space = [](unsigned char c) { return !std::isspace(c); };
  s.erase(s.begin(), std::find_if(s.begin(), s.end(), not_space));
  s.erase(std::find_if(s.rbegin(), s.rend(), not_space).base(), s.end());
  return s;
}

std::vector<std::string> split_cells(const std::string& line) {
  std::vector<std::string> cells;
  std::string cell;
  for (size_t i = 1; i < line.size(); ++i) {  // line[0] is the leading '|'
    if (line[i] == '|') {
      cells.push_back(trim(cell));
      cell.clear();
    } else {
      cell += line[i];
    }
  }
  return cells;
}

// Items of a cell separated by commas outside parentheses.
std::vector<std::string> split_items(const std::string& cell) {
  std::vector<std::string> items;
  std::string item;
  int depth = 0;
  for (const char c : cell) {
    if (c == '(') ++depth;
    if (c == ')') --depth;
    if (c == ',' && depth == 0) {
      items.push_back(trim(item));
      item.clear();
    } else {
      item += c;
    }
  }
  items.push_back(trim(item));
  return items;
}

std::vector<std::string> backticked(const std::string& text) {
  std::vector<std::string> out;
  static const std::regex tick("`([^`]+)`");
  for (std::sregex_iterator it(text.begin(), text.end(), tick), end; it != end; ++it) out.push_back((*it)[1]);
  return out;
}

std::string folder_key(std::string name) {
  name.erase(std::remove(name.begin(), name.end(), '`'), name.end());
  name = trim(name);
  if (!name.empty() && name.back() != '/') name += '/';
  return name;
}

// The layout table of a README: the rows after the header "| folder | ... | may use |".
Table read_table(const std::string& readme) {
  Table table;
  std::istringstream in(readme);
  std::string line;
  bool inside = false;
  while (std::getline(in, line)) {
    if (!inside) {
      inside = line.rfind("| folder |", 0) == 0 && line.find("may use") != std::string::npos;
      continue;
    }
    if (line.rfind("|---", 0) == 0) continue;
    if (line.empty() || line[0] != '|') break;
    const std::vector<std::string> cells = split_cells(line);
    if (cells.size() < 2) {
      table.error = "a row without a 'may use' cell: " + line;
      return table;
    }
    Row row;
    for (const std::string& f : backticked(cells.front())) row.folders.push_back(folder_key(f));
    if (row.folders.empty()) {
      table.error = "a row that names no folder: " + line;
      return table;
    }
    for (const std::string& item : split_items(cells.back())) {
      const size_t paren = item.find('(');
      const std::string head = trim(item.substr(0, paren));
      if (head == "all of the above") {
        for (const Row& above : table.rows) row.may_use.push_back({above.folders.front(), {}});
        continue;
      }
      // A folder for now; names that are no row's folder are dropped below.
      Allowance a{folder_key(head), {}};
      if (paren != std::string::npos) {
        for (const std::string& f : backticked(item.substr(paren))) {
          if (f.find('.') != std::string::npos) a.only_in.insert(f);
        }
      }
      row.may_use.push_back(std::move(a));
    }
    table.rows.push_back(std::move(row));
  }
  // Each allowance names its row by the row's first folder; external libraries go.
  for (Row& row : table.rows) {
    std::vector<Allowance> folders;
    for (Allowance& a : row.may_use) {
      for (const Row& r : table.rows) {
        if (std::find(r.folders.begin(), r.folders.end(), a.folder) != r.folders.end()) {
          folders.push_back({r.folders.front(), std::move(a.only_in)});
          break;
        }
      }
    }
    row.may_use = std::move(folders);
  }
  if (table.rows.empty()) table.error = "no layout table (a header '| folder | ... | may use |')";
  return table;
}

// The row a path (relative to the root, '/'-separated) belongs to: its longest folder.
const Row* row_of(const Table& t, const std::string& path) {
  const Row* best = nullptr;
  size_t best_len = 0;
  for (const Row& r : t.rows) {
    for (const std::string& f : r.folders) {
      if (path.rfind(f, 0) == 0 && f.size() > best_len) {
        best = &r;
        best_len = f.size();
      }
    }
  }
  return best;
}

bool is_source(const fs::path& p) {
  static const std::set<std::string> kExtensions = {".h", ".hpp", ".c", ".cc", ".cpp", ".inc"};
  return kExtensions.count(p.extension().string()) != 0;
}

// Every source file under the root, relative and '/'-separated; build trees (a CMakeCache.txt)
// and dot folders are not the tree's.
std::vector<std::string> source_files(const fs::path& root) {
  std::vector<std::string> out;
  for (auto it = fs::recursive_directory_iterator(root); it != fs::recursive_directory_iterator(); ++it) {
    if (it->is_directory()) {
      const std::string name = it->path().filename().string();
      if (name.starts_with(".") || fs::exists(it->path() / "CMakeCache.txt")) it.disable_recursion_pending();
      continue;
    }
    if (it->is_regular_file() && is_source(it->path())) out.push_back(fs::relative(it->path(), root).generic_string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

struct Edge {
  std::string from;  // the including file
  std::string to;    // the included file, resolved
  bool operator<(const Edge& o) const { return std::tie(from, to) < std::tie(o.from, o.to); }
};

std::vector<Edge> include_edges(const fs::path& root, const std::string& file) {
  std::vector<Edge> edges;
  std::ifstream in(root / file);
  std::string line;
  static const std::regex include(R"re(^\s*#\s*include\s*"([^"]+)")re");
  const fs::path dir = fs::path(file).parent_path();
  while (std::getline(in, line)) {
    std::smatch m;
    if (!std::regex_search(line, m, include)) continue;
    const std::string written = m[1];
    // Beside the including file first (as the compiler looks), then from the root (the
    // project's include directory). A header found in neither is generated in the build
    // tree, beside what its path names.
    const fs::path beside = (dir / written).lexically_normal();
    const std::string to = fs::exists(root / beside) ? beside.generic_string() : fs::path(written).lexically_normal().generic_string();
    edges.push_back({file, to.find('/') == std::string::npos ? (dir / to).generic_string() : to});
  }
  return edges;
}

// Why an edge is not allowed, or nothing.
std::optional<std::string> forbidden(const Table& t, const Edge& e) {
  const Row* from = row_of(t, e.from);
  const Row* to = row_of(t, e.to);
  if (from == nullptr) return "its folder has no row in the table";
  if (to == nullptr || to == from) return std::nullopt;
  const std::string name = fs::path(e.from).filename().string();
  for (const Allowance& a : from->may_use) {
    if (a.folder != to->folders.front()) continue;
    if (a.only_in.empty() || a.only_in.count(name) != 0) return std::nullopt;
    std::string files;
    for (const std::string& f : a.only_in) files += (files.empty() ? "" : ", ") + f;
    return "in " + from->folders.front() + " only " + files + " may use " + to->folders.front();
  }
  return from->folders.front() + " may not use " + to->folders.front();
}

struct Violation {
  Edge edge;
  std::string why;
};

std::vector<Violation> violations(const Table& t, const fs::path& root) {
  std::vector<Violation> out;
  for (const std::string& file : source_files(root)) {
    for (const Edge& e : include_edges(root, file)) {
      if (auto why = forbidden(t, e)) out.push_back({e, *why});
    }
  }
  return out;
}

std::string read_text(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// Edges the table does not allow that are known, with the work that removes them. The list
// only shrinks: an entry whose edge no longer exists fails the test, so that it is deleted.
// (Issue 14, item 5: tests and benchmarks use libraries, not cli/.)
const std::set<Edge> kPending = {};

TEST(Layout, EveryIncludeIsAnEdgeTheReadmeTableAllows) {
  const fs::path root = BPFCERT_SOURCE_DIR;
  const Table table = read_table(read_text(root / "README.md"));
  ASSERT_TRUE(table.error.empty()) << table.error;
  std::set<Edge> pending_seen;
  for (const Violation& v : violations(table, root)) {
    if (kPending.count(v.edge) != 0) {
      pending_seen.insert(v.edge);
      continue;
    }
    ADD_FAILURE() << v.edge.from << " includes " << v.edge.to << ": " << v.why
                  << " (README.md, layout table; change the table if the dependency is meant)";
  }
  for (const Edge& e : kPending) {
    EXPECT_TRUE(pending_seen.count(e) != 0) << e.from << " no longer includes " << e.to
                                            << ": remove the edge from kPending";
  }
}

// The unchecked JIT's permit (semantics/unchecked_permit.h) is evidence that a verifier
// accepted the program: the verifier is its one issuer, and the testing escape stays in the
// test and benchmark folders, so no library or command can run a program unchecked without
// verifying it.
TEST(Layout, OnlyTheVerifierIssuesUncheckedPermits) {
  const fs::path root = BPFCERT_SOURCE_DIR;
  const std::string declared_in = "semantics/unchecked_permit.h";
  for (const std::string& file : source_files(root)) {
    if (file == declared_in) continue;
    const std::string text = read_text(root / file);
    const bool test_code = file.starts_with("tests/") || file.starts_with("bench/") || file.starts_with("fuzz/");
    if (!test_code) {
      EXPECT_EQ(text.find("unverified_for_testing"), std::string::npos)
          << file << " takes a testing permit for the unchecked JIT outside tests/ and bench/";
    }
    if (file != "verifier/analyzer.cpp" && file != "tests/layout/layering_test.cpp") {
      EXPECT_EQ(text.find("PermitIssuer"), std::string::npos) << file << " issues unchecked permits; only verify() may";
    }
  }
}

TEST(Layout, EveryFolderOfTheTableExists) {
  const fs::path root = BPFCERT_SOURCE_DIR;
  const Table table = read_table(read_text(root / "README.md"));
  ASSERT_TRUE(table.error.empty()) << table.error;
  EXPECT_GE(table.rows.size(), 8u);
  for (const Row& r : table.rows) {
    for (const std::string& f : r.folders) EXPECT_TRUE(fs::is_directory(root / f)) << f;
  }
}

// The checker itself, on a table and a tree made here: each kind of edge it must refuse.
class LayoutChecker : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::temp_directory_path() / ("bpfcert_layout_" + std::to_string(::getpid()));
    fs::remove_all(root_);
  }
  void TearDown() override { fs::remove_all(root_); }
  void write(const std::string& path, const std::string& text) {
    fs::create_directories((root_ / path).parent_path());
    std::ofstream(root_ / path) << text;
  }
  std::vector<std::string> refused() {
    std::vector<std::string> out;
    for (const Violation& v : violations(read_table(kReadme), root_)) out.push_back(v.edge.from + " -> " + v.edge.to);
    return out;
  }
  static constexpr const char* kReadme =
      "intro\n\n"
      "| folder | namespace | what it holds | may use |\n"
      "|---|---|---|---|\n"
      "| `base/` | b | the base | standard library, fmt |\n"
      "| `mid/` | m | the middle | base |\n"
      "| `mid/sub/` | s | below the middle | base, mid (only `replay.cpp`: replays) |\n"
      "| `top/` | - | the command | all of the above |\n"
      "| `tests/`, `bench/` | - | tests | base, mid, mid/sub (the libraries, not the command) |\n"
      "\nafter\n";
  fs::path root_;
};

TEST_F(LayoutChecker, ReadsTheTable) {
  const Table t = read_table(kReadme);
  ASSERT_TRUE(t.error.empty()) << t.error;
  ASSERT_EQ(t.rows.size(), 5u);
  EXPECT_EQ(t.rows[4].folders, (std::vector<std::string>{"tests/", "bench/"}));
  EXPECT_TRUE(t.rows[0].may_use.empty());  // fmt and the standard library are not folders
  ASSERT_EQ(t.rows[2].may_use.size(), 2u);
  EXPECT_EQ(t.rows[2].may_use[1].folder, "mid/");
  EXPECT_EQ(t.rows[2].may_use[1].only_in, (std::set<std::string>{"replay.cpp"}));
  EXPECT_EQ(t.rows[3].may_use.size(), 3u);
  EXPECT_FALSE(read_table("no table here").error.empty());
}

TEST_F(LayoutChecker, AllowsWhatTheTableSays) {
  write("base/a.h", "#include <vector>\n#include \"base/b.h\"\n#include \"b.h\"\n");
  write("base/b.h", "");
  write("mid/m.cpp", "#include \"base/a.h\"\n");
  write("mid/sub/s.h", "#include \"base/a.h\"\n");
  write("mid/sub/replay.cpp", "#include \"mid/m.h\"\n");
  write("mid/gen.cpp", "#include \"mid/generated.inc\"\n#include \"local.inc\"\n");
  write("top/main.cpp", "#include \"mid/sub/s.h\"\n#include \"base/a.h\"\n");
  write("tests/t.cpp", "#include \"mid/sub/s.h\"\n#include \"bench/helper.h\"\n");
  write("build/CMakeCache.txt", "");
  write("build/top/x.cpp", "#include \"top/main.h\"\n");  // a build tree is not the tree's
  EXPECT_TRUE(refused().empty());
}

TEST_F(LayoutChecker, RefusesEveryEdgeTheTableDoesNot) {
  write("base/up.h", "#include \"mid/m.h\"\n");                // down the table
  write("mid/sub/search.cpp", "#include \"mid/m.h\"\n");       // only replay.cpp may
  write("mid/m.cpp", "#include \"mid/sub/s.h\"\n");            // a subfolder with a row is another row
  write("tests/t.cpp", "#include \"top/main.h\"\n");          // the command, from a test
  write("bench/b.cpp", "  #  include \"top/opts.h\"\n");      // spacing does not hide it
  write("stray/x.cpp", "#include \"base/a.h\"\n");            // a folder the table lacks
  write("base/rel.h", "#include \"../top/main.h\"\n");        // a relative path
  write("top/main.h", "");
  EXPECT_EQ(refused(), (std::vector<std::string>{"base/rel.h -> top/main.h", "base/up.h -> mid/m.h",
                                                 "bench/b.cpp -> top/opts.h", "mid/m.cpp -> mid/sub/s.h", "mid/sub/search.cpp -> mid/m.h",
                                                 "stray/x.cpp -> base/a.h", "tests/t.cpp -> top/main.h"}));
}

}  // namespace
