/* Internal header of the guest VFS runtime (freestanding C, wasm32).
 *
 * The runtime implements WASI preview1 over the read-only image described
 * by the view (slot 0, wimg_abi.h) and passes everything else to the host.
 * Conventions: functions named wrt_*, internal results are WASI errno
 * numbers (0 = success), checks come first, and the only mutable state is
 * the one `struct wrt_ctx` (wrt_ctx, defined in fdtable.c).
 */
#ifndef WRT_H
#define WRT_H

#include "wimg_abi.h"

typedef unsigned char u8;
typedef unsigned short u16;
typedef unsigned int u32;
typedef unsigned long long u64;
typedef long long i64;
typedef unsigned long usize;

_Static_assert(sizeof(u32) == 4 && sizeof(u64) == 8 && sizeof(void *) == 4, "wasm32 only");

#define WRT_EXPORT(name) __attribute__((export_name("wimg_wasi_" #name)))
#define WRT_IMPORT(mod, name) __attribute__((import_module(mod), import_name(name)))

/* ---- WASI preview1 constants (wasi/api.h) ---- */
enum {
  WRT_ESUCCESS = 0, WRT_E2BIG = 1, WRT_EACCES = 2, WRT_EBADF = 8, WRT_EEXIST = 20,
  WRT_EFAULT = 21, WRT_EINVAL = 28, WRT_EIO = 29, WRT_EISDIR = 31, WRT_ELOOP = 32,
  WRT_EMFILE = 33, WRT_ENAMETOOLONG = 37, WRT_ENOBUFS = 42, WRT_ENOENT = 44,
  WRT_ENOMEM = 48, WRT_ENOSPC = 51, WRT_ENOTDIR = 54, WRT_ENOTEMPTY = 55, WRT_ENOTSOCK = 57,
  WRT_ENOTSUP = 58, WRT_EOVERFLOW = 61, WRT_EPERM = 63, WRT_ESPIPE = 70,
  WRT_EROFS = 69, WRT_EXDEV = 75, WRT_ENOTCAPABLE = 76, WRT_EBUSY = 10,
};

enum {
  WRT_FT_UNKNOWN = 0, WRT_FT_BLOCK = 1, WRT_FT_CHAR = 2, WRT_FT_DIR = 3,
  WRT_FT_REG = 4, WRT_FT_SOCK_STREAM = 6, WRT_FT_SYMLINK = 7,
};

#define WRT_R(bit) ((u64)1 << (bit))
#define WRT_R_FD_DATASYNC WRT_R(0)
#define WRT_R_FD_READ WRT_R(1)
#define WRT_R_FD_SEEK WRT_R(2)
#define WRT_R_FD_FDSTAT_SET_FLAGS WRT_R(3)
#define WRT_R_FD_SYNC WRT_R(4)
#define WRT_R_FD_TELL WRT_R(5)
#define WRT_R_FD_WRITE WRT_R(6)
#define WRT_R_FD_ADVISE WRT_R(7)
#define WRT_R_FD_ALLOCATE WRT_R(8)
#define WRT_R_PATH_CREATE_DIRECTORY WRT_R(9)
#define WRT_R_PATH_CREATE_FILE WRT_R(10)
#define WRT_R_PATH_LINK_SOURCE WRT_R(11)
#define WRT_R_PATH_LINK_TARGET WRT_R(12)
#define WRT_R_PATH_OPEN WRT_R(13)
#define WRT_R_FD_READDIR WRT_R(14)
#define WRT_R_PATH_READLINK WRT_R(15)
#define WRT_R_PATH_RENAME_SOURCE WRT_R(16)
#define WRT_R_PATH_RENAME_TARGET WRT_R(17)
#define WRT_R_PATH_FILESTAT_GET WRT_R(18)
#define WRT_R_PATH_FILESTAT_SET_SIZE WRT_R(19)
#define WRT_R_PATH_FILESTAT_SET_TIMES WRT_R(20)
#define WRT_R_FD_FILESTAT_GET WRT_R(21)
#define WRT_R_FD_FILESTAT_SET_SIZE WRT_R(22)
#define WRT_R_FD_FILESTAT_SET_TIMES WRT_R(23)
#define WRT_R_PATH_SYMLINK WRT_R(24)
#define WRT_R_PATH_REMOVE_DIRECTORY WRT_R(25)
#define WRT_R_PATH_UNLINK_FILE WRT_R(26)
#define WRT_R_POLL_FD_READWRITE WRT_R(27)
#define WRT_R_ALL (WRT_R(30) - 1)

/* Rights of image fds. A file is read-only; fsync and set_times are kept so
 * that they answer like a read-only mount (success / EROFS) rather than
 * ENOTCAPABLE. A directory keeps the path-mutation rights for the same
 * reason: mkdir on an image dir is EROFS, as on a read-only mount. */
#define WRT_RIGHTS_FILE                                                                          \
  (WRT_R_FD_DATASYNC | WRT_R_FD_READ | WRT_R_FD_SEEK | WRT_R_FD_FDSTAT_SET_FLAGS | WRT_R_FD_SYNC | \
   WRT_R_FD_TELL | WRT_R_FD_ADVISE | WRT_R_FD_FILESTAT_GET | WRT_R_FD_FILESTAT_SET_TIMES |      \
   WRT_R_POLL_FD_READWRITE)
#define WRT_RIGHTS_DIR                                                                             \
  (WRT_R_FD_DATASYNC | WRT_R_FD_FDSTAT_SET_FLAGS | WRT_R_FD_SYNC | WRT_R_PATH_CREATE_DIRECTORY | \
   WRT_R_PATH_CREATE_FILE | WRT_R_PATH_LINK_SOURCE | WRT_R_PATH_LINK_TARGET | WRT_R_PATH_OPEN |  \
   WRT_R_FD_READDIR | WRT_R_PATH_READLINK | WRT_R_PATH_RENAME_SOURCE |                           \
   WRT_R_PATH_RENAME_TARGET | WRT_R_PATH_FILESTAT_GET | WRT_R_PATH_FILESTAT_SET_SIZE |           \
   WRT_R_PATH_FILESTAT_SET_TIMES | WRT_R_FD_FILESTAT_GET | WRT_R_FD_FILESTAT_SET_TIMES |         \
   WRT_R_PATH_SYMLINK | WRT_R_PATH_REMOVE_DIRECTORY | WRT_R_PATH_UNLINK_FILE |                   \
   WRT_R_POLL_FD_READWRITE)
/* What the runtime's resolution under a host dir fd asks of it (hostpath.c). */
#define WRT_RIGHTS_WALK (WRT_R_PATH_FILESTAT_GET | WRT_R_PATH_READLINK)
/* Rights that mean "I want to modify the file": asking for them on an
 * image file is EROFS (wasi-libc derives them from O_WRONLY/O_RDWR). */
#define WRT_RIGHTS_WRITE (WRT_R_FD_WRITE | WRT_R_FD_ALLOCATE | WRT_R_FD_FILESTAT_SET_SIZE)

#define WRT_LOOKUP_FOLLOW 1u
/* Internal lookup flag: stop with WRT_ECROSS where the path enters a host
 * mount (never a WASI flag, never returned to the guest). */
#define WRT_LOOKUP_CROSS 0x100u
#define WRT_ECROSS 0x10000u
#define WRT_O_CREAT 1u
#define WRT_O_DIRECTORY 2u
#define WRT_O_EXCL 4u
#define WRT_O_TRUNC 8u
#define WRT_FDFLAG_APPEND 1u
#define WRT_WHENCE_SET 0u
#define WRT_WHENCE_CUR 1u
#define WRT_WHENCE_END 2u
#define WRT_EVENT_CLOCK 0u
#define WRT_EVENT_FD_READ 1u
#define WRT_EVENT_FD_WRITE 2u

/* Linux st_mode bits in view nodes. */
#define WRT_S_IFMT 0170000u
#define WRT_S_IFDIR 0040000u
#define WRT_S_IFREG 0100000u
#define WRT_S_IFLNK 0120000u
#define WRT_S_IFCHR 0020000u
#define WRT_S_IFBLK 0060000u
#define WRT_S_IFSOCK 0140000u

/* Limits. PATH_MAX and NAME_MAX as on Linux, so long paths fail the same. */
#define WRT_PATH_MAX 4096u
#define WRT_NAME_MAX 255u
#define WRT_MAX_FDS 1024u
#define WRT_HOST_ARGS_BYTES (32u * 1024u)
#define WRT_HOST_ENV_BYTES (96u * 1024u)
#define WRT_POLL_MAX 64u
#define WRT_MAX_MOUNTS 64u
#define WRT_DEVICE_ID 0x77696d67ull /* "wimg": one constant st_dev for the image */

/* ---- intrinsics generated by the injector (module "wimg") ---- */
u32 wimg_guest_bytes(void) WRT_IMPORT("wimg", "wimg_guest_bytes");
u32 wimg_region_base(void) WRT_IMPORT("wimg", "wimg_region_base");
u32 wimg_region_grow(u32 pages) WRT_IMPORT("wimg", "wimg_region_grow");
void wimg_copy_in(void *dst, u32 gsrc, u32 n) WRT_IMPORT("wimg", "wimg_copy_in");
void wimg_copy_out(u32 gdst, const void *src, u32 n) WRT_IMPORT("wimg", "wimg_copy_out");
void wimg_image_read(u32 slot, void *dst, u32 off, u32 n) WRT_IMPORT("wimg", "wimg_image_read");
void wimg_image_read_guest(u32 slot, u32 gdst, u32 off, u32 n) WRT_IMPORT("wimg", "wimg_image_read_guest");

/* ---- the host's WASI (module "wimg_host"); pointers are absolute ---- */
#define WRT_HOST(name) WRT_IMPORT("wimg_host", #name)
u32 wrt_host_args_get(u32 argv, u32 buf) WRT_HOST(args_get);
u32 wrt_host_args_sizes_get(u32 argc, u32 size) WRT_HOST(args_sizes_get);
u32 wrt_host_environ_get(u32 env, u32 buf) WRT_HOST(environ_get);
u32 wrt_host_environ_sizes_get(u32 count, u32 size) WRT_HOST(environ_sizes_get);
u32 wrt_host_fd_advise(u32 fd, u64 off, u64 len, u32 advice) WRT_HOST(fd_advise);
u32 wrt_host_fd_allocate(u32 fd, u64 off, u64 len) WRT_HOST(fd_allocate);
u32 wrt_host_fd_close(u32 fd) WRT_HOST(fd_close);
u32 wrt_host_fd_datasync(u32 fd) WRT_HOST(fd_datasync);
u32 wrt_host_fd_fdstat_get(u32 fd, u32 buf) WRT_HOST(fd_fdstat_get);
u32 wrt_host_fd_fdstat_set_flags(u32 fd, u32 flags) WRT_HOST(fd_fdstat_set_flags);
u32 wrt_host_fd_fdstat_set_rights(u32 fd, u64 base, u64 inh) WRT_HOST(fd_fdstat_set_rights);
u32 wrt_host_fd_filestat_get(u32 fd, u32 buf) WRT_HOST(fd_filestat_get);
u32 wrt_host_fd_filestat_set_size(u32 fd, u64 size) WRT_HOST(fd_filestat_set_size);
u32 wrt_host_fd_filestat_set_times(u32 fd, u64 atim, u64 mtim, u32 flags) WRT_HOST(fd_filestat_set_times);
u32 wrt_host_fd_pread(u32 fd, u32 iovs, u32 n, u64 off, u32 nread) WRT_HOST(fd_pread);
u32 wrt_host_fd_prestat_get(u32 fd, u32 buf) WRT_HOST(fd_prestat_get);
u32 wrt_host_fd_prestat_dir_name(u32 fd, u32 path, u32 len) WRT_HOST(fd_prestat_dir_name);
u32 wrt_host_fd_pwrite(u32 fd, u32 iovs, u32 n, u64 off, u32 nwritten) WRT_HOST(fd_pwrite);
u32 wrt_host_fd_read(u32 fd, u32 iovs, u32 n, u32 nread) WRT_HOST(fd_read);
u32 wrt_host_fd_readdir(u32 fd, u32 buf, u32 len, u64 cookie, u32 used) WRT_HOST(fd_readdir);
u32 wrt_host_fd_seek(u32 fd, i64 off, u32 whence, u32 newoff) WRT_HOST(fd_seek);
u32 wrt_host_fd_sync(u32 fd) WRT_HOST(fd_sync);
u32 wrt_host_fd_tell(u32 fd, u32 off) WRT_HOST(fd_tell);
u32 wrt_host_fd_write(u32 fd, u32 iovs, u32 n, u32 nwritten) WRT_HOST(fd_write);
u32 wrt_host_path_create_directory(u32 fd, u32 path, u32 len) WRT_HOST(path_create_directory);
u32 wrt_host_path_filestat_get(u32 fd, u32 flags, u32 path, u32 len, u32 buf) WRT_HOST(path_filestat_get);
u32 wrt_host_path_filestat_set_times(u32 fd, u32 flags, u32 path, u32 len, u64 atim, u64 mtim, u32 fst)
    WRT_HOST(path_filestat_set_times);
u32 wrt_host_path_link(u32 ofd, u32 oflags, u32 opath, u32 olen, u32 nfd, u32 npath, u32 nlen) WRT_HOST(path_link);
u32 wrt_host_path_open(u32 fd, u32 dirflags, u32 path, u32 len, u32 oflags, u64 base, u64 inh, u32 fdflags,
                       u32 fdptr) WRT_HOST(path_open);
u32 wrt_host_path_readlink(u32 fd, u32 path, u32 len, u32 buf, u32 buflen, u32 used) WRT_HOST(path_readlink);
u32 wrt_host_path_remove_directory(u32 fd, u32 path, u32 len) WRT_HOST(path_remove_directory);
u32 wrt_host_path_rename(u32 fd, u32 opath, u32 olen, u32 nfd, u32 npath, u32 nlen) WRT_HOST(path_rename);
u32 wrt_host_path_symlink(u32 opath, u32 olen, u32 fd, u32 npath, u32 nlen) WRT_HOST(path_symlink);
u32 wrt_host_path_unlink_file(u32 fd, u32 path, u32 len) WRT_HOST(path_unlink_file);
u32 wrt_host_clock_time_get(u32 id, u64 precision, u32 out) WRT_HOST(clock_time_get);
u32 wrt_host_poll_oneoff(u32 in, u32 out, u32 n, u32 nevents) WRT_HOST(poll_oneoff);
u32 wrt_host_sock_accept(u32 fd, u32 flags, u32 fdptr) WRT_HOST(sock_accept);
u32 wrt_host_sock_recv(u32 fd, u32 iovs, u32 n, u32 flags, u32 len, u32 oflags) WRT_HOST(sock_recv);
u32 wrt_host_sock_send(u32 fd, u32 iovs, u32 n, u32 flags, u32 len) WRT_HOST(sock_send);
u32 wrt_host_sock_shutdown(u32 fd, u32 how) WRT_HOST(sock_shutdown);

/* ---- view (view.c) ---- */
/* A node of the merged file system: index < WRT_UP is a view node, else
 * an upper inode (upper.c) numbered index - WRT_UP. */
#define WRT_UP 0x80000000u
struct wrt_node {
  u32 index;
  u32 parent;
  u32 image; /* the view node it is or copies (upper dirs), else WIMG_NONE */
  u32 nlink;
  u64 atim, ctim; /* mtime_ns is the third time */
  u32 name_off, name_len;
  u32 mode;
  u32 first_child, child_count;
  u32 slot; /* files: the slot (bits 0..15 of the view's field) */
  u32 lz4;  /* files: 1 when stored compressed (WIMG_NODE_LZ4) */
  u64 offset, size, mtime_ns;
  u32 hash; /* view nodes: the path hash (wimg_abi.h §5), the key of a lookup under it */
};

/* A file's bytes in its slot, checked by wrt_view_file before any read:
 * raw, [off, off + size) lies inside the slot; compressed (wimg_abi.h §6),
 * the stored form's count and end array do, and `data` is where chunk 0
 * starts. */
struct wrt_file {
  u32 node; /* node index: with a chunk index, the key of the chunk cache */
  u32 slot, slot_size;
  u32 off;
  u64 size; /* uncompressed */
  u32 lz4;
  u32 chunks, data; /* compressed only */
};

/* The decoded-chunk cache (content.c): the chunks of a file whose chunk 0
 * was decoded a second time are kept in a ring of WRT_LZC_BYTES in the
 * heap (not counted against the upper layer's cap: the ring is the bound),
 * found through a table of WRT_LZC_SETS sets of WRT_LZC_WAYS entries. Both
 * are heap blocks taken at the first admission and kept. `marks` holds two
 * bits per view node (chunk 0 decoded; read again), a heap block taken at
 * the first decode. */
#define WRT_LZC_BYTES (16u << 20)
#define WRT_LZC_SETS 2048u
#define WRT_LZC_WAYS 4u
struct wrt_lzc_entry {
  u32 node, chunk, len, unused; /* len 0: empty */
  u64 pos;                      /* where its bytes went in the ring's log */
};
struct wrt_lzc {
  u32 marks, ring, table; /* heap blocks; 0 until needed */
  u32 off;                /* 1: the heap could not give them, no caching */
  u64 head;               /* bytes appended to the ring since it was made */
};

/* A string list of the config block: count strings from offset `first`. */
struct wrt_list {
  u32 count;
  u32 first;
};
enum { WRT_CFG_ENTRYPOINT, WRT_CFG_CMD, WRT_CFG_ENV, WRT_CFG_PREOPENS, WRT_CFG_WORKDIR, WRT_CFG_FS, WRT_CFG_LISTS };

struct wrt_view {
  u32 size; /* slot 0's size */
  u32 slot_count, node_count, bucket_count;
  u32 nodes_off, buckets_off, children_off, children_count;
  u32 strings_off, strings_len;
  u32 config_off, config_len;
  u32 slot_sizes_off;
  struct wrt_list lists[WRT_CFG_LISTS];
};

u32 wrt_view_load(void);
u32 wrt_view_node(u32 index, struct wrt_node *node);
u32 wrt_view_lookup(const struct wrt_node *dir, const u8 *name, u32 len, struct wrt_node *out);
u32 wrt_view_child(const struct wrt_node *dir, u32 i, struct wrt_node *out);
u32 wrt_view_slot_size(u32 slot, u32 *size);
u32 wrt_view_file(const struct wrt_node *node, struct wrt_file *f);
u32 wrt_view_target(const struct wrt_node *link, u32 *off);
u32 wrt_view_string(u32 list, u32 i, u32 *off, u32 *len);
u32 wrt_node_filetype(const struct wrt_node *node);
static inline int wrt_is_dir(const struct wrt_node *n) { return (n->mode & WRT_S_IFMT) == WRT_S_IFDIR; }
static inline int wrt_is_link(const struct wrt_node *n) { return (n->mode & WRT_S_IFMT) == WRT_S_IFLNK; }

/* ---- fd table (fdtable.c) ---- */
enum { WRT_FD_FREE = 0, WRT_FD_HOST = 1, WRT_FD_IMAGE = 2 };

struct wrt_fd {
  u8 kind;
  u8 is_dir;
  u16 fdflags;
  /* A host directory fd opened through the runtime: the host granted it the
   * rights the runtime's own lookups need (WRT_RIGHTS_WALK) too; the
   * guest's are rights_base/inheriting, checked here as for image fds. */
  u32 vrights;
  u32 host_fd; /* WRT_FD_HOST */
  u32 node;    /* WRT_FD_IMAGE */
  u32 preopen; /* image preopens: 1 + index in the preopens list; else 0 */
  u32 mount;   /* host fds under a host directory: 1 + index in C.mounts; else 0 */
  u64 pos;     /* image files */
  u64 rights_base, rights_inheriting;
};

/* A host directory the host preopened (hostpath.c): the runtime resolves
 * every path under it itself, so that no symlink leads the host outside. */
struct wrt_mount {
  u32 host_fd;  /* the host's preopen fd: the mount's root */
  u32 ro;       /* named in WIMG_READONLY: every modification is EROFS */
  u32 name_len; /* the guest path (prestat name); WIMG_NONE if over WRT_NAME_MAX */
  u8 name[WRT_NAME_MAX + 1];
  /* Where the mount shadows the image: the image directory holding its
   * mount point (WIMG_NONE: not reachable through the image) and the
   * mount point's name there (bytes of `name`). */
  u32 parent_node;
  u32 base_off, base_len;
};

/* A resolved host path (hostpath.c): relative to the start fd, made of
 * directories the runtime lstat'ed (no symlink, no `.` or `..`) and the
 * last component. */
struct wrt_hres {
  u32 dir;    /* the host fd the lookup started from */
  u32 exists; /* the last component exists; `stat` holds its lstat */
  u32 slash;  /* a slash followed the last component */
  u32 path_len;
  u64 rights; /* the start fd's inheriting rights (the host's answer) */
  u8 path[WRT_PATH_MAX + 1];
  u8 stat[64]; /* WASI filestat of the last component (not followed) */
};

/* ---- the writable upper layer (heap.c, upper.c) ---- */
/* An upper inode. Dirs hold an entry array (slots in creation order, a
 * freed slot has node WIMG_NONE: readdir cookies stay positions) and an
 * open-addressing hash of slot numbers; files a buffer of `cap` bytes
 * (small) or an array of `cap` pointers to 64 KiB blocks (big, 0 = hole);
 * symlinks their target in `data`. Bytes past `size` are always zero. */
struct wrt_inode {
  u32 mode; /* 0: a free inode (`parent` links the free list) */
  u32 nlink, opens;
  u32 parent; /* dirs: the node holding it */
  u32 image;  /* copied up from the view: that node (dirs: redirect; all: st_ino); else WIMG_NONE */
  u32 ents, ecap, used, live, fslot; /* dirs: entries, capacity, slots used, live, free slot + 1 */
  u32 hash, hcap, tombs;             /* dirs: slot + 1 per bucket, WIMG_NONE = deleted */
  u32 data, cap, big;               /* files, symlinks */
  u64 size, atim, mtim, ctim;
};
struct wrt_entry {
  u32 name, len; /* name bytes in the heap */
  u32 node;      /* WIMG_NONE: a freed slot */
};
#define WRT_BLOCK 65536u
#define WRT_INODE_CHUNK 64u /* 6 KiB: an empty upper layer stays small */
#define WRT_INODE_CHUNKS 4096u /* up to 262,144 inodes */
#define WRT_HEAP_CLASSES 25u /* 2^4 .. 2^28 bytes */
struct wrt_upper {
  u32 enabled; /* writable: not --read-only */
  u64 cap, used;
  u32 heap_top, heap_end; /* runtime addresses */
  u32 free[WRT_HEAP_CLASSES];
  u32 chunks[WRT_INODE_CHUNKS]; /* inode chunks of WRT_INODE_CHUNK */
  u32 inode_count, inode_free;
  u32 redirect; /* u32[node_count]: view dir -> upper inode + 1, or 0 */
  u32 redirected; /* bits[node_count]: set where redirect is; every lookup
                   * hop asks, and the bits stay in cache where the table
                   * (4 bytes a node) would not at 100k nodes */
  u8 name[WRT_NAME_MAX + 1];  /* a second name (rename, link) */
  u8 cname[WRT_NAME_MAX + 1]; /* names read while copying a dir up */
  u8 zero[4096];
};

struct wrt_ctx {
  u32 state; /* 0: not initialised, 1: ready, 2: failed (init_err) */
  u32 init_err;
  /* A pre-initialised image (preinit.c): host preopens are mounts only (no
   * guest fd, no prestat), and the build's clock/random stand-ins. */
  u32 preinit, frozen; /* frozen: the snapshot is being taken */
  u64 frozen_ns, frozen_rand;
  u64 now; /* wrt_now()'s answer: 8-aligned, as wasmtime insists */
  struct wrt_view view;
  struct wrt_fd fds[WRT_MAX_FDS];
  /* path resolution work buffers (path.c) */
  u32 path_len;
  u8 path[WRT_PATH_MAX + 1];
  u8 path_tmp[WRT_PATH_MAX + 1];
  u8 name[WRT_NAME_MAX + 1];
  /* host argv/environ (args.c): pointer array then strings */
  u32 args_state, env_state; /* 0: not fetched, 1: fetched, else errno + 2 */
  u32 host_argc, host_envc;
  u8 host_args[WRT_HOST_ARGS_BYTES];
  u8 host_env[WRT_HOST_ENV_BYTES];
  /* poll_oneoff copies (wasi_poll.c) */
  u8 subs[(WRT_POLL_MAX + 1) * 48];
  u8 events[(WRT_POLL_MAX + 1) * 32];
  /* host directories (hostpath.c): the mounts, two resolved paths (rename
   * and link need both), the directories walked from the start fd (a path
   * relative to it) and a symlink's target */
  u32 mount_count;
  struct wrt_mount mounts[WRT_MAX_MOUNTS];
  struct wrt_hres hres[2];
  /* An image path that enters a mount (wasi_path.c: route): the mount as a
   * host fd and the rest of the path, per path argument of the call. */
  u32 crossable; /* some mount shadows an image directory */
  struct wrt_fd cross_fd[2];
  u32 rest_len[2]; /* WIMG_NONE: not redirected */
  u8 rest[2][WRT_PATH_MAX + 1];
  u32 canon_len;
  u8 canon[WRT_PATH_MAX + 1];
  u8 link[WRT_PATH_MAX + 1];
  /* small results the host writes for us (an fd, a prestat) */
  u32 scratch[4];
  /* compressed reads (content.c): one chunk's stored bytes, and the last
   * chunk decoded, valid when lz_valid, for node lz_node, chunk lz_chunk */
  u32 lz_valid, lz_node, lz_chunk;
  u8 lz_in[WIMG_LZ4_BOUND(WIMG_LZ4_CHUNK)];
  u8 lz_out[WIMG_LZ4_CHUNK];
  struct wrt_lzc lzc;
  struct wrt_upper up;
};

/* Where the context lives. Not in .bss: for an imported memory wasm-ld
 * zeroes .bss in a start function (__wasm_init_memory), which the ABI
 * forbids. Instead the link reserves a stack of WRT_STACK + WRT_CTX_RESERVE
 * bytes (-z stack-size, see CMakeLists.txt); the stack grows down from its
 * top (__heap_base) and the context sits at its bottom (__data_end). So the
 * stack pointer's initial value, which the injector reads to size the
 * region, covers the context, and the context starts zeroed like the
 * region's fresh pages. wrt_init() checks that the link agrees. */
#define WRT_STACK (64u * 1024u)
#define WRT_CTX_RESERVE (384u * 1024u)
extern u8 __data_end;
extern u8 __heap_base;
#define WRT_C (*(struct wrt_ctx *)(usize)(((u32)(usize)&__data_end + 15u) & ~15u))

/* Returns a nonzero errno from the current function. */
#define WRT_TRY(x)          \
  do {                      \
    u32 err_ = (x);         \
    if (err_) return err_;  \
  } while (0)

_Static_assert(sizeof(struct wrt_ctx) + 16 <= WRT_CTX_RESERVE, "the context outgrew its reserve");

u32 wrt_init(void);
u32 wrt_host_side(void);
u32 wrt_host_mounts(int *root);
u64 wrt_frozen_now(void);
u32 wrt_fd_get(u32 fd, u64 rights, struct wrt_fd **out);
u32 wrt_fd_alloc(u32 *fd);
void wrt_fd_free(u32 fd);
u32 wrt_fd_add_host(u32 host_fd, u32 *guest_fd);
/* the absolute address of a runtime object, for host calls */
static inline u32 wrt_abs(const void *p) { return wimg_region_base() + (u32)(usize)p; }

/* ---- guest memory (mem.c) ---- */
u32 wrt_gcheck(u32 ptr, u64 len);
u32 wrt_gcheck_array(u32 ptr, u32 count, u32 size);
u32 wrt_put_u32(u32 gptr, u32 v);
u32 wrt_put_u64(u32 gptr, u64 v);
u32 wrt_iovs_check(u32 iovs, u32 n);
#define WRT_IOV_BATCH 16u
struct wrt_iov_walk {
  u32 iovs, n, i;
  u8 chunk[WRT_IOV_BATCH * 8];
};
int wrt_iov_next(struct wrt_iov_walk *w, u32 *buf, u32 *len);
void wrt_st32(u8 *p, u32 v);
void wrt_st64(u8 *p, u64 v);
u32 wrt_ld32(const u8 *p);
u64 wrt_ld64(const u8 *p);
void *memcpy(void *dst, const void *src, usize n);
void *memmove(void *dst, const void *src, usize n);
void *memset(void *dst, int c, usize n);
int memcmp(const void *a, const void *b, usize n);

/* ---- path resolution (path.c) ---- */
struct wrt_lookup {
  struct wrt_node node;   /* the result, or for `parent` lookups the dir */
  struct wrt_node parent; /* the dir holding the last component */
  const u8 *last;         /* the last component (points into the context) */
  u32 last_len;
  int found;      /* the path exists: `node` is valid */
  int parent_ok;  /* ENOENT at the last component, or ENOTDIR for "file/": `parent` valid */
  int slash;      /* a slash followed the last component */
  u32 cross;      /* WRT_ECROSS: 1 + the mount entered; the rest of the path: */
  const u8 *rest;
  u32 rest_len;
};
u32 wrt_path_copy(u32 gpath, u32 len);
/* One component of a path being resolved (path.c and hostpath.c). */
struct wrt_comp {
  u32 s, n, end;   /* buf[s, s + n); the rest of the path starts at `end` */
  int slash_after; /* a slash follows it ("dir/" means a directory) */
  int is_last;
  int dots; /* 1 for ".", 2 for "..", else 0 */
};
int wrt_next_comp(const u8 *buf, u32 len, u32 *pos, struct wrt_comp *c);
u32 wrt_resolve(u32 dir_node, u32 follow, struct wrt_lookup *out);


/* ---- host directories (hostpath.c) ---- */
u32 wrt_mount_add(u32 host_fd, u32 *mount);
u32 wrt_readonly_key(u8 k[13]); /* "WIMG_READONLY", without a data segment */
int wrt_mount_is_root(const struct wrt_mount *m);
u32 wrt_fd_ro(const struct wrt_fd *e);
void wrt_mounts_place(void);
u32 wrt_mount_at(u32 dir_node, const u8 *name, u32 len);
u32 wrt_host_resolve(const struct wrt_fd *e, u32 follow, struct wrt_hres *r);
static inline u32 wrt_hres_type(const struct wrt_hres *r) { return r->stat[16]; }

/* ---- args.c ---- */
u32 wrt_host_env_value(const u8 *key, u32 klen, const u8 **val, u32 *vlen);

/* ---- shared by wasi_fd.c and wasi_path.c ---- */
u32 wrt_put_filestat(u32 gbuf, const struct wrt_node *node);

/* ---- file contents (content.c) ---- */
/* Copies file bytes [off, off + n) to guest address gdst. The caller
 * checked the guest range and off + n <= f->size. EIO on corrupt
 * compressed data (some bytes may have been copied). */
u32 wrt_file_read_guest(const struct wrt_file *f, u32 gdst, u64 off, u32 n);
/* The same into runtime memory (copy-up). */
u32 wrt_file_read_rt(const struct wrt_file *f, u8 *dst, u64 off, u32 n);

/* ---- the heap for the upper layer (heap.c) ---- */
u32 wrt_alloc(u32 size, u32 *out); /* zeroed; ENOSPC over the cap */
u32 wrt_alloc_uncapped(u32 size, u32 *out); /* zeroed, never freed; a bounded cache's */
void wrt_free(u32 p, u32 size);
static inline void *wrt_ptr(u32 p) { return (void *)(usize)p; }

/* ---- the merged file system (upper.c) ---- */
static inline int wrt_is_up(u32 id) { return (id & WRT_UP) != 0; }
struct wrt_inode *wrt_inode(u32 id);
u32 wrt_upper_init(void);
u32 wrt_upper_key(u8 k[10]);
u32 wrt_fs_canon(u32 id);
u32 wrt_fs_node(u32 id, struct wrt_node *out);
u32 wrt_fs_lookup(const struct wrt_node *dir, const u8 *name, u32 len, struct wrt_node *out);
u32 wrt_fs_target(const struct wrt_node *link, u8 *dst);
u64 wrt_fs_ino(const struct wrt_node *n);
u32 wrt_fs_count(const struct wrt_node *dir);
u32 wrt_fs_entry(const struct wrt_node *dir, u32 k, struct wrt_node *out, const u8 **name, u32 *name_off);
u32 wrt_fs_empty(const struct wrt_node *dir, int *empty);
u64 wrt_now(void);
/* modifications: all need C.up.enabled */
u32 wrt_up_dir(u32 dir, u32 *up);
u32 wrt_up_create(u32 dir, const u8 *name, u32 len, u32 mode, u32 *id);
u32 wrt_up_copy(u32 dir, const u8 *name, u32 len, const struct wrt_node *n, int data, u32 *id);
u32 wrt_up_remove(u32 dir, const u8 *name, u32 len);
u32 wrt_up_link(u32 dir, const u8 *name, u32 len, u32 id);
u32 wrt_up_symlink(u32 dir, const u8 *name, u32 len, const u8 *target, u32 tlen);
u32 wrt_up_rename(u32 sdir, const u8 *sname, u32 slen, u32 ddir, const u8 *dname, u32 dlen);
void wrt_up_release(u32 id);
u32 wrt_up_read(u32 id, u32 gdst, u64 off, u32 n);
u32 wrt_up_write(u32 id, u32 gsrc, u64 off, u32 n);
u32 wrt_up_resize(u32 id, u64 size);
u32 wrt_up_times(u32 id, u64 atim, u64 mtim, u32 fst);
#endif
