// BTF-typed arguments of tracing programs: the attach target's prototype read from a BTF
// written here with libbpf's BTF writer (so every expected offset is known), loads through the
// Kernel pointers it gives checked as Linux's btf_struct_access checks them, and the running
// kernel's vmlinux BTF read the same way (skipped where /sys/kernel/btf/vmlinux is missing).
#include <gtest/gtest.h>

#include <bpf/btf.h>

#include <filesystem>
#include <memory>

#include "semantics/assembly.h"
#include "verifier/analyzer.h"
#include "verifier/object/tracing_args.h"
#include "verifier/platform/linux.h"

namespace bpfcert::verifier {
namespace {

// struct inode { u64 i_ino; u32 i_flags; };                                        (16 bytes)
// struct file  { u32 f_flags; u32 :8 f_bits; u32 f_mode; struct inode *f_inode;
//                char *f_name; u16 f_pad[4]; struct { u32 lo; u32 hi; } f_pos;
//                struct inode *f_more[2]; }                                        (64 bytes)
// int vfs_open(struct file *file, int flags, void *data, char *name, struct file **pp);
// typedef void (*btf_trace_io_done)(void *__data, struct file *file, u64 bytes);
struct TestBtf {
  std::unique_ptr<struct btf, void (*)(struct btf*)> btf{btf__new_empty(), btf__free};
  int u8 = 0, u16 = 0, u32 = 0, u64 = 0, s32 = 0, inode = 0, file = 0, func = 0, trace = 0, ret_proto = 0;
  int iter = 0;    // int bpf_iter_files(struct bpf_iter__files *ctx): { meta; struct file *file; }
  int tagged = 0;  // struct tagged { struct inode __user *u; struct inode __percpu *p; struct inode *k; }

  TestBtf() {
    struct btf* b = btf.get();
    u8 = btf__add_int(b, "char", 1, BTF_INT_SIGNED);
    u16 = btf__add_int(b, "u16", 2, 0);
    u32 = btf__add_int(b, "u32", 4, 0);
    u64 = btf__add_int(b, "u64", 8, 0);
    s32 = btf__add_int(b, "int", 4, BTF_INT_SIGNED);
    inode = btf__add_struct(b, "inode", 16);
    btf__add_field(b, "i_ino", u64, 0, 0);
    btf__add_field(b, "i_flags", u32, 64, 0);
    const int inode_ptr = btf__add_ptr(b, inode);
    const int char_ptr = btf__add_ptr(b, u8);
    const int u16_arr = btf__add_array(b, u32, u16, 4);
    const int pos = btf__add_struct(b, nullptr, 8);
    btf__add_field(b, "lo", u32, 0, 0);
    btf__add_field(b, "hi", u32, 32, 0);
    const int inode_arr = btf__add_array(b, u32, inode_ptr, 2);
    file = btf__add_struct(b, "file", 64);
    btf__add_field(b, "f_flags", u32, 0, 0);
    btf__add_field(b, "f_bits", u32, 32, 8);
    btf__add_field(b, "f_mode", u32, 64, 0);
    btf__add_field(b, "f_inode", inode_ptr, 128, 0);
    btf__add_field(b, "f_name", char_ptr, 192, 0);
    btf__add_field(b, "f_pad", u16_arr, 256, 0);
    btf__add_field(b, "f_pos", pos, 320, 0);
    btf__add_field(b, "f_more", inode_arr, 384, 0);
    const int file_ptr = btf__add_ptr(b, file);
    const int void_ptr = btf__add_ptr(b, 0);
    const int file_ptr_ptr = btf__add_ptr(b, file_ptr);
    const int proto = btf__add_func_proto(b, s32);
    btf__add_func_param(b, "file", file_ptr);
    btf__add_func_param(b, "flags", s32);
    btf__add_func_param(b, "data", void_ptr);
    btf__add_func_param(b, "name", char_ptr);
    btf__add_func_param(b, "pp", file_ptr_ptr);
    func = btf__add_func(b, "vfs_open", BTF_FUNC_GLOBAL, proto);
    const int tp_proto = btf__add_func_proto(b, 0);
    btf__add_func_param(b, "__data", void_ptr);
    btf__add_func_param(b, "file", file_ptr);
    btf__add_func_param(b, "bytes", u64);
    trace = btf__add_typedef(b, "btf_trace_io_done", btf__add_ptr(b, tp_proto));
    ret_proto = proto;
    const int user_ptr = btf__add_ptr(b, btf__add_type_tag(b, "user", inode));
    const int percpu_ptr = btf__add_ptr(b, btf__add_type_tag(b, "percpu", inode));
    const int rcu_ptr = btf__add_ptr(b, btf__add_type_tag(b, "rcu", inode));
    // (A member or parameter must follow its struct or prototype: pointers are made first.)
    const int meta = btf__add_struct(b, "bpf_iter_meta", 8);
    btf__add_field(b, "seq_num", u64, 0, 0);
    const int meta_ptr = btf__add_ptr(b, meta);
    const int iter_ctx = btf__add_struct(b, "bpf_iter__files", 16);
    btf__add_field(b, "meta", meta_ptr, 0, 0);
    btf__add_field(b, "file", file_ptr, 64, 0);
    const int iter_ctx_ptr = btf__add_ptr(b, iter_ctx);
    const int iter_proto = btf__add_func_proto(b, s32);
    btf__add_func_param(b, "ctx", iter_ctx_ptr);
    iter = btf__add_func(b, "bpf_iter_files", BTF_FUNC_GLOBAL, iter_proto);
    tagged = btf__add_struct(b, "tagged", 24);
    btf__add_field(b, "u", user_ptr, 0, 0);
    btf__add_field(b, "p", percpu_ptr, 64, 0);
    btf__add_field(b, "k", rcu_ptr, 128, 0);
  }
};

loader::ProgramInfo program(uint32_t attach_type, int attach_id, const std::string& target) {
  loader::ProgramInfo p;
  p.name = "prog";
  p.type.prog_type = 26;  // BPF_PROG_TYPE_TRACING
  p.type.expected_attach_type = attach_type;
  p.type.attach_target = target;
  p.attach_btf_id = static_cast<uint32_t>(attach_id);
  return p;
}

using Kind = KernelTypes::Load::Kind;

TEST(BtfKernelTypes, LoadsWalkMembersAsBtfStructAccessDoes) {
  TestBtf t;
  const BtfKernelTypes k(t.btf.get());
  EXPECT_EQ(k.size_of(static_cast<uint32_t>(t.file)), 64u);
  EXPECT_EQ(k.name_of(static_cast<uint32_t>(t.file)), "struct file");
  const auto file = static_cast<uint32_t>(t.file);
  EXPECT_EQ(k.load(file, 0, 4).kind, Kind::Scalar);                // f_flags
  EXPECT_EQ(k.load(file, 0, 2).kind, Kind::Scalar);                // part of a scalar
  EXPECT_EQ(k.load(file, 0, 8).kind, Kind::Refused);               // f_flags and the bitfield's bytes: across members
  EXPECT_EQ(k.load(file, 4, 1).kind, Kind::Scalar);                // the 8-bit bitfield, whole
  EXPECT_EQ(k.load(file, 8, 4).kind, Kind::Scalar);                // f_mode
  EXPECT_EQ(k.load(file, 12, 4).kind, Kind::Refused);              // padding before f_inode
  const KernelTypes::Load inode = k.load(file, 16, 8);             // f_inode: a pointer to a struct
  EXPECT_EQ(inode.kind, Kind::Pointer);
  EXPECT_EQ(inode.type, static_cast<uint32_t>(t.inode));
  EXPECT_EQ(k.load(file, 16, 4).kind, Kind::Refused);              // part of a pointer
  EXPECT_EQ(k.load(file, 20, 4).kind, Kind::Refused);
  EXPECT_EQ(k.load(file, 24, 8).kind, Kind::Scalar);               // char *: a number
  EXPECT_EQ(k.load(file, 32, 8).kind, Kind::Scalar);               // an array of scalars, across elements
  EXPECT_EQ(k.load(file, 36, 2).kind, Kind::Scalar);
  EXPECT_EQ(k.load(file, 44, 4).kind, Kind::Scalar);               // f_pos.hi, inside the anonymous struct
  EXPECT_EQ(k.load(file, 48, 8).kind, Kind::Pointer);              // f_more[0]
  EXPECT_EQ(k.load(file, 56, 8).type, static_cast<uint32_t>(t.inode));  // f_more[1]
  EXPECT_EQ(k.load(file, 52, 8).kind, Kind::Refused);              // across two pointers
  EXPECT_EQ(k.load(file, 60, 8).kind, Kind::Refused);              // past the end
  EXPECT_EQ(k.load(file, 64, 1).kind, Kind::Refused);
  EXPECT_EQ(k.load(file, -1, 1).kind, Kind::Refused);
  EXPECT_NE(k.load(file, 64, 1).why.find("past the end of struct file"), std::string::npos);
  // Linux refuses loads through __user and __percpu pointers: they are numbers here.
  const auto tagged = static_cast<uint32_t>(t.tagged);
  EXPECT_EQ(k.load(tagged, 0, 8).kind, Kind::Scalar);
  EXPECT_EQ(k.load(tagged, 8, 8).kind, Kind::Scalar);
  EXPECT_EQ(k.load(tagged, 16, 8).kind, Kind::Pointer);  // __rcu: a kernel pointer
}

TEST(TracingContext, FentryFexitAndTpBtfArguments) {
  TestBtf t;
  auto fentry = tracing_context(program(24, t.func, "vfs_open"), t.btf.get());
  ASSERT_TRUE(fentry.ok()) << fentry.error().to_string();
  ASSERT_TRUE(fentry->has_value());
  const ContextLayout& c = (*fentry)->context;
  ASSERT_EQ(c.fields.size(), 5u);
  EXPECT_EQ(c.size, 40u);
  EXPECT_EQ(c.fields[0].holds, PointerKind::Kernel);  // struct file *
  EXPECT_EQ(c.fields[0].holds_type, static_cast<uint32_t>(t.file));
  EXPECT_FALSE(c.fields[0].holds_null);
  EXPECT_FALSE(c.fields[1].holds);  // int
  EXPECT_FALSE(c.fields[2].holds);  // void *: a scalar
  EXPECT_TRUE(c.fields[2].readable);
  EXPECT_FALSE(c.fields[3].holds);  // char *: a scalar
  EXPECT_FALSE(c.fields[4].readable);  // struct file **: Linux refuses to read it
  for (const ContextField& f : c.fields) EXPECT_FALSE(f.writable);

  auto fexit = tracing_context(program(25, t.func, "vfs_open"), t.btf.get());
  ASSERT_TRUE(fexit.ok() && fexit->has_value());
  ASSERT_EQ((*fexit)->context.fields.size(), 6u);  // and the return value
  EXPECT_EQ((*fexit)->context.fields[5].name, "return value");
  EXPECT_EQ((*fexit)->context.fields[5].offset, 40u);
  // fentry and fexit programs return 0 (check_return_code); tp_btf programs anything.
  EXPECT_EQ((*fentry)->return_range, (std::pair<int64_t, int64_t>{0, 0}));
  EXPECT_EQ((*fexit)->return_range, (std::pair<int64_t, int64_t>{0, 0}));

  auto tp = tracing_context(program(23, t.trace, "io_done"), t.btf.get());
  ASSERT_TRUE(tp.ok()) << tp.error().to_string();
  ASSERT_TRUE(tp->has_value());
  ASSERT_EQ((*tp)->context.fields.size(), 2u);  // __data skipped
  EXPECT_EQ((*tp)->context.fields[0].holds, PointerKind::Kernel);
  EXPECT_EQ((*tp)->context.fields[1].name, "bytes");
  EXPECT_EQ((*tp)->return_range, std::nullopt);

  // Not a BTF-typed program, or no BTF: the type's own context.
  loader::ProgramInfo kprobe;
  EXPECT_FALSE(tracing_context(kprobe, t.btf.get())->has_value());
  EXPECT_FALSE(tracing_context(program(24, t.func, "vfs_open"), nullptr)->has_value());
  // An attach id that names no prototype is an error, not a guess.
  EXPECT_FALSE(tracing_context(program(24, t.u32, "vfs_open"), t.btf.get()).ok());
}

// Verifies `text` (LLVM syntax) as an fentry program on vfs_open of the test BTF (or an
// iterator over files).
VerificationResult verify_fentry(const TestBtf& t, const std::string& text, bool iterator = false) {
  auto insns = semantics::assemble(text, semantics::Syntax::Llvm);
  EXPECT_TRUE(insns.ok()) << insns.error().to_string();
  auto prog = semantics::validate(*insns);
  EXPECT_TRUE(prog.ok());
  auto ctx = iterator ? tracing_context(program(28, t.iter, "files"), t.btf.get())
                      : tracing_context(program(24, t.func, "vfs_open"), t.btf.get());
  const BtfKernelTypes kernel(t.btf.get());
  VerifierInput in;
  in.program = &prog.value();
  in.platform = &platform::linux_platform();
  in.program_type = "tracing";
  in.context = (*ctx)->context;
  in.kernel_types = &kernel;
  in.return_range = (*ctx)->return_range;
  auto r = verify(in);
  EXPECT_TRUE(r.ok());
  return *r;
}

bool rejected_with(const VerificationResult& r, CheckId check, int64_t pc) {
  for (const Finding& f : r.findings) {
    if (f.check == check && f.pc == pc) return true;
  }
  return false;
}

TEST(TracingArguments, LoadsThroughArgumentsAndMembers) {
  TestBtf t;
  // file->f_mode, then file->f_inode->i_flags: no null check needed (probe loads).
  const VerificationResult ok = verify_fentry(t, R"(
    r6 = *(u64 *)(r1 + 0)
    r0 = *(u32 *)(r6 + 8)
    r7 = *(u64 *)(r6 + 16)
    r0 = *(u32 *)(r7 + 8)
    r7 += 8
    r0 = *(u32 *)(r7 + 0)
    r0 = 0
    exit
  )");
  EXPECT_TRUE(ok.accepted);
  EXPECT_EQ(ok.probe_loads, (std::vector<size_t>{1, 2, 3, 5}));
  // A null test leaves both outcomes possible: the null branch is analysed (and checked).
  const VerificationResult both = verify_fentry(t, R"(
    r6 = *(u64 *)(r1 + 0)
    if r6 != 0 goto +2
    r0 = *(u64 *)(r10 - 8)
    exit
    r0 = 0
    exit
  )");
  EXPECT_TRUE(rejected_with(both, CheckId::StackUninit, 2));
}

TEST(TracingArguments, StoresOffsetsAndHelpersRefused) {
  TestBtf t;
  EXPECT_TRUE(rejected_with(verify_fentry(t, "r0 = 1\nexit"), CheckId::ExitR0, 1));  // fentry returns 0
  EXPECT_TRUE(rejected_with(verify_fentry(t, "r6 = *(u64 *)(r1 + 0)\n*(u32 *)(r6 + 8) = 1\nr0 = 0\nexit"),
                            CheckId::MemReadonly, 1));
  EXPECT_TRUE(rejected_with(verify_fentry(t, "r6 = *(u64 *)(r1 + 0)\nr0 = *(u64 *)(r6 + 64)\nr0 = 0\nexit"),
                            CheckId::MemBounds, 1));
  EXPECT_TRUE(rejected_with(verify_fentry(t, "r6 = *(u64 *)(r1 + 0)\nr0 = *(u64 *)(r6 - 8)\nr0 = 0\nexit"),
                            CheckId::MemBounds, 1));
  EXPECT_TRUE(rejected_with(verify_fentry(t, R"(
    r6 = *(u64 *)(r1 + 0)
    call 7
    r0 &= 7
    r6 += r0
    r0 = *(u8 *)(r6 + 0)
    r0 = 0
    exit
  )"),
                            CheckId::MemBounds, 4));
  // Part of a pointer member, and an argument Linux does not let the program read.
  EXPECT_TRUE(rejected_with(verify_fentry(t, "r6 = *(u64 *)(r1 + 0)\nr0 = *(u32 *)(r6 + 16)\nr0 = 0\nexit"),
                            CheckId::MemBounds, 1));
  EXPECT_TRUE(rejected_with(verify_fentry(t, "r0 = *(u64 *)(r1 + 32)\nr0 = 0\nexit"), CheckId::CtxAccess, 0));
  EXPECT_TRUE(rejected_with(verify_fentry(t, "r0 = *(u32 *)(r1 + 0)\nr0 = 0\nexit"), CheckId::CtxAccess, 0));
  EXPECT_TRUE(rejected_with(verify_fentry(t, "r0 = *(u64 *)(r1 + 40)\nr0 = 0\nexit"), CheckId::CtxAccess, 0));
  // A kernel object is no helper's memory argument (bpf_probe_read_kernel reads it instead).
  EXPECT_TRUE(rejected_with(verify_fentry(t, R"(
    r6 = *(u64 *)(r1 + 0)
    r1 = r10
    r1 += -8
    r2 = 8
    r3 = r6
    call 113
    r1 = r6
    r2 = 8
    call 16
    r0 = 0
    exit
  )"),
                            CheckId::MemType, 8));
}

// An iterator's context is its struct bpf_iter__<name>; the object iterated may be null (at the
// end of the iteration), so it must be tested before a load, as Linux's PTR_TO_BTF_ID_OR_NULL.
TEST(TracingArguments, IteratorObjectsMustBeTestedForNull) {
  TestBtf t;
  auto ctx = tracing_context(program(28, t.iter, "files"), t.btf.get());
  ASSERT_TRUE(ctx.ok() && ctx->has_value());
  ASSERT_EQ((*ctx)->context.fields.size(), 2u);
  EXPECT_EQ((*ctx)->context.name, "struct bpf_iter__files");
  EXPECT_FALSE((*ctx)->context.fields[0].holds_null);  // meta
  EXPECT_TRUE((*ctx)->context.fields[1].holds_null);   // file
  EXPECT_EQ((*ctx)->return_range, (std::pair<int64_t, int64_t>{0, 1}));
  const char* unchecked = "r2 = *(u64 *)(r1 + 0)\nr0 = *(u64 *)(r2 + 0)\nr1 = *(u64 *)(r1 + 8)\nr0 = *(u32 *)(r1 + 8)\nr0 = 0\nexit";
  const VerificationResult u = verify_fentry(t, unchecked, true);
  EXPECT_TRUE(rejected_with(u, CheckId::MemNull, 3));
  EXPECT_FALSE(rejected_with(u, CheckId::MemNull, 1));  // meta is never null
  const VerificationResult c = verify_fentry(t, R"(
    r1 = *(u64 *)(r1 + 8)
    r6 = r1
    r0 = 0
    if r1 == 0 goto +1
    r0 = *(u32 *)(r6 + 8)
    r0 = 0
    exit
  )", true);
  EXPECT_TRUE(c.accepted);  // the test on one copy holds for the other
}

TEST(TracingContext, RunningKernelsVmlinux) {
  if (!std::filesystem::exists("/sys/kernel/btf/vmlinux")) GTEST_SKIP() << "no /sys/kernel/btf/vmlinux";
  std::unique_ptr<struct btf, void (*)(struct btf*)> btf(btf__parse("/sys/kernel/btf/vmlinux", nullptr), btf__free);
  ASSERT_NE(btf, nullptr);
  const int vfs_read = btf__find_by_name_kind(btf.get(), "vfs_read", BTF_KIND_FUNC);
  if (vfs_read <= 0) GTEST_SKIP() << "this kernel's BTF has no vfs_read";
  auto ctx = tracing_context(program(24, vfs_read, "vfs_read"), btf.get());
  ASSERT_TRUE(ctx.ok() && ctx->has_value());
  // ssize_t vfs_read(struct file *file, char __user *buf, size_t count, loff_t *pos)
  ASSERT_EQ((*ctx)->context.fields.size(), 4u);
  EXPECT_EQ((*ctx)->context.fields[0].holds, PointerKind::Kernel);
  const BtfKernelTypes k(btf.get());
  EXPECT_EQ(k.name_of((*ctx)->context.fields[0].holds_type), "struct file");
  // file->f_inode is a struct inode *.
  const int file = btf__find_by_name_kind(btf.get(), "file", BTF_KIND_STRUCT);
  const struct btf_type* ft = btf__type_by_id(btf.get(), static_cast<uint32_t>(file));
  const struct btf_member* m = btf_members(ft);
  for (uint32_t i = 0; i < btf_vlen(ft); ++i, ++m) {
    if (std::string(btf__name_by_offset(btf.get(), m->name_off)) != "f_inode") continue;
    const KernelTypes::Load l = k.load(static_cast<uint32_t>(file), btf_member_bit_offset(ft, i) / 8, 8);
    EXPECT_EQ(l.kind, Kind::Pointer);
    EXPECT_EQ(k.name_of(l.type), "struct inode");
  }
}

}  // namespace
}  // namespace bpfcert::verifier
