#!/bin/sh
# README.md shows real output: the tour's commands run on the demo's
# repository and the deploy status lines come from a real watcher, so the
# lines shown cannot drift from what bosun prints.
. "$(dirname "$0")/lib.sh"

command -v python3 >/dev/null 2>&1 || skip_all "python3 is needed for the checker and the test server"
CHECK="$BOSUN_TOP/tests/cli/readme-tour.py"
SERVER="$BOSUN_TOP/tests/cli/deploy-server.py"
trap '[ -f "$TRASH/server.pid" ] && kill $(cat "$TRASH/server.pid") 2>/dev/null; cd /; rm -rf "$TRASH"' EXIT

test_expect_success 'the tour: every line README shows is what the command prints' '
	mkdir demo && TMPDIR="$TRASH/demo" DEMO_SETUP_ONLY=1 BOSUN="$BOSUN" \
		sh "$BOSUN_TOP/demo/demo.sh" >demo.out 2>&1 &&
	repo=$(sed -n "s/^sample repository: //p" demo.out) && test -d "$repo/.git" &&
	python3 "$CHECK" tour "$BOSUN_TOP/README.md" "$BOSUN" "$repo"
'

# status_line WORD: `deploy status` of HEAD, its first line, once it
# starts with WORD; the commit id made 1a2b3c4d5e6f as README shows it.
status_line() {
	bosun deploy status >"$TRASH/st" 2>&1
	grep -q "^$1 " "$TRASH/st" &&
	head -n 1 "$TRASH/st" | sed "s/ $(git rev-parse HEAD | cut -c1-12):/ 1a2b3c4d5e6f:/" >"$TRASH/st.$1"
}

test_expect_success 'the deploy status lines README shows are what a watcher reports' '
	python3 "$CHECK" deploy "$BOSUN_TOP/README.md" >shown && test_eq 2 "$(wc -l <shown)" &&
	new_repo app && commit "feat: one" && C=$(git rev-parse HEAD) &&
	printf "{\"/do\": [{\"json\": {\"deployments\": [{\"phase\": \"BUILDING\", \"services\": [{\"source_commit_hash\": \"%s\"}]}]}}], \"/health\": [{\"json\": {\"commit\": \"%s\"}}]}\n" "$C" "$C" >../answers.json &&
	: >../req && { python3 "$SERVER" ../answers.json ../port ../req & } && echo $! >../server.pid &&
	wait_for 10 test -s ../port &&
	cat >bosun.yml <<-YML &&
	deploy:
	  time_scale: 100
	  probes:
	    - name: app-platform
	      provider: digitalocean
	      url: http://127.0.0.1:$(cat ../port)/do
	    - name: health
	      url: http://127.0.0.1:$(cat ../port)/health
	      pointer: /commit
	  verify: [health]
	YML
	bosun deploy watch --detach >/dev/null && wait_for 20 status_line building &&
	test_eq "$(sed -n 1p ../shown)" "$(cat ../st.building)" &&
	sed "s/BUILDING/ACTIVE/" ../answers.json >../a2 && mv ../a2 ../answers.json &&
	bosun deploy status --wait >/dev/null && status_line success &&
	test_eq "$(sed -n 2p ../shown)" "$(cat ../st.success)"
'

test_done
