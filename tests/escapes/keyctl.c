/* escape: keyctl
 * blocked-from: 08
 * explain: the kernel keyring is not namespaced: add_key/keyctl reach it from any container
 *
 * The kernel keeps secrets for processes in keyrings (keyrings(7)):
 * Kerberos tickets, disk encryption keys, NFS credentials. Keyrings belong
 * to uids, not to containers, and the code behind keyctl(2) has had root
 * exploits of its own: CVE-2016-0728 overflowed a keyring's reference
 * count from an ordinary process. This is why docker's seccomp profile
 * denies add_key, keyctl and request_key. We add a harmless key to our
 * user keyring (under 01-06 that is host root's own keyring), then revoke
 * and unlink it at once.
 */
#include <sys/syscall.h>
#include <unistd.h>

#include "escape.h"

#define KEY_SPEC_USER_KEYRING -4
#define KEYCTL_REVOKE 3
#define KEYCTL_UNLINK 9

int main(void)
{
	long key = syscall(SYS_add_key, "user", "boxes-escape-probe", "harmless", 8,
			   KEY_SPEC_USER_KEYRING);

	if (key < 0)
		blocked("add_key(\"user\", ..., KEY_SPEC_USER_KEYRING): %s", strerror(errno));
	syscall(SYS_keyctl, KEYCTL_REVOKE, key);
	syscall(SYS_keyctl, KEYCTL_UNLINK, key, KEY_SPEC_USER_KEYRING);
	escaped("add_key put key %ld in the user keyring of uid %d: the keyring code is "
		"reachable (key revoked and unlinked again)",
		key, (int)getuid());
}
