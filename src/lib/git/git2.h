/*
 * git2.h - libgit2, loaded with dlopen() on first use.
 *
 * Linking libgit2 costs about 4 ms at every start of the program (it pulls in
 * 19 shared objects), and bosun's hot paths (--version, hooks, commit lint)
 * never need it. So the few libgit2 functions bosun calls are resolved at run
 * time. Include this header *instead of* <git2.h> in lib/git files and call
 * git2_load() before the first call; the calls themselves are written as
 * usual (git_odb_read(...)), the macros below route them through the table.
 */
#ifndef BOSUN_LIB_GIT2_H
#define BOSUN_LIB_GIT2_H

#include <git2.h>

#define GIT2_FUNCS(X)                   \
	X(git_libgit2_init)             \
	X(git_libgit2_opts)             \
	X(git_error_last)               \
	X(git_repository_open_ext)      \
	X(git_repository_free)          \
	X(git_repository_odb)           \
	X(git_repository_is_shallow)    \
	X(git_repository_config_snapshot) \
	X(git_config_get_string)        \
	X(git_config_free)              \
	X(git_reference_name_to_id)     \
	X(git_revparse_single)          \
	X(git_object_id)                \
	X(git_object_peel)              \
	X(git_object_free)              \
	X(git_odb_read)                 \
	X(git_odb_read_header)          \
	X(git_odb_object_data)          \
	X(git_odb_object_size)          \
	X(git_odb_object_type)          \
	X(git_odb_object_free)          \
	X(git_odb_free)                 \
	X(git_tag_foreach)              \
	X(git_oid_fromstrn)             \
	X(git_oid_tostr)

#define GIT2_MEMBER(f) __typeof__(f) *f;
struct git2_api {
	GIT2_FUNCS(GIT2_MEMBER)
};
#undef GIT2_MEMBER
extern struct git2_api git2_api;

/* Load libgit2 and initialise it; -BOSUN_EUNAVAILABLE when it cannot be
 * loaded. Cheap after the first call. */
int git2_load(void);
/* Record libgit2's last error as ours: "<what>: <libgit2 message>". */
int git2_error(int kind, const char *what);

#ifndef BOSUN_GIT2_IMPL
#define git_libgit2_init (*git2_api.git_libgit2_init)
#define git_libgit2_opts (*git2_api.git_libgit2_opts)
#define git_error_last (*git2_api.git_error_last)
#define git_repository_open_ext (*git2_api.git_repository_open_ext)
#define git_repository_free (*git2_api.git_repository_free)
#define git_repository_odb (*git2_api.git_repository_odb)
#define git_repository_is_shallow (*git2_api.git_repository_is_shallow)
#define git_repository_config_snapshot (*git2_api.git_repository_config_snapshot)
#define git_config_get_string (*git2_api.git_config_get_string)
#define git_config_free (*git2_api.git_config_free)
#define git_reference_name_to_id (*git2_api.git_reference_name_to_id)
#define git_revparse_single (*git2_api.git_revparse_single)
#define git_object_id (*git2_api.git_object_id)
#define git_object_peel (*git2_api.git_object_peel)
#define git_object_free (*git2_api.git_object_free)
#define git_odb_read (*git2_api.git_odb_read)
#define git_odb_read_header (*git2_api.git_odb_read_header)
#define git_odb_object_data (*git2_api.git_odb_object_data)
#define git_odb_object_size (*git2_api.git_odb_object_size)
#define git_odb_object_type (*git2_api.git_odb_object_type)
#define git_odb_object_free (*git2_api.git_odb_object_free)
#define git_odb_free (*git2_api.git_odb_free)
#define git_tag_foreach (*git2_api.git_tag_foreach)
#define git_oid_fromstrn (*git2_api.git_oid_fromstrn)
#define git_oid_tostr (*git2_api.git_oid_tostr)
#endif

#endif
