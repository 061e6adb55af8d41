//! Shell completions as each shell runs them: the script the tool prints,
//! loaded into bash, zsh and fish, asked to complete a subcommand's flag
//! and an enum's values. bash is everywhere; zsh and fish are installed by
//! `.ci/run`, and `cargo xtask ci` runs their tests.

use std::process::Command;

/// The script `toggl-clients completions SHELL` prints, in a file.
fn script(shell: &str) -> std::path::PathBuf {
    let out = assert_cmd::Command::cargo_bin("toggl-clients")
        .expect("built")
        .env_clear()
        .envs(crate::isolated_home())
        .args(["completions", shell])
        .output()
        .expect("runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let path = crate::commands::temp_dir(&format!("completions-{shell}")).join("script");
    std::fs::write(&path, &out.stdout).expect("written");
    path
}

fn run(shell: &str, args: &[&str]) -> String {
    let out = Command::new(shell)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("{shell} runs ({e}); .ci/run installs it"));
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "{shell}: {text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    text
}

#[test]
fn bash_completes_a_subcommands_flags_and_values() {
    let script = script("bash");
    // What bash's programmable completion does on <Tab>: set the words and
    // call the function `complete -F` names.
    let ask = |words: &str, cword: usize| {
        let program = format!(
            "source '{}'; COMP_WORDS=({words}); COMP_CWORD={cword}; \
             f=$(complete -p toggl-clients | sed -E 's/.*-F ([^ ]+).*/\\1/'); \
             $f toggl-clients \"${{COMP_WORDS[COMP_CWORD]}}\" \"${{COMP_WORDS[COMP_CWORD-1]}}\"; \
             printf '%s\\n' \"${{COMPREPLY[@]}}\"",
            script.display()
        );
        run("bash", &["-c", &program])
    };
    let flags = ask("toggl-clients list --st", 2);
    assert!(flags.lines().any(|l| l == "--status"), "{flags}");
    let values = ask("toggl-clients list --status ''", 3);
    for value in ["active", "archived", "both"] {
        assert!(values.lines().any(|l| l == value), "{value} in {values}");
    }
    let nested = ask("toggl-clients auth ''", 2);
    assert!(nested.lines().any(|l| l == "status"), "{nested}");
}

#[test]
#[ignore = "needs fish (cargo xtask ci runs it; .ci/run installs it)"]
fn fish_completes_a_subcommands_flags_and_values() {
    let script = script("fish");
    let ask = |line: &str| {
        run(
            "fish",
            &[
                "--no-config",
                "-c",
                &format!("source '{}'; complete -C '{line}'", script.display()),
            ],
        )
    };
    let flags = ask("toggl-clients list --st");
    assert!(
        flags.lines().any(|l| l.starts_with("--status\t")),
        "{flags}"
    );
    let values = ask("toggl-clients list --status ");
    for value in ["active", "archived", "both"] {
        assert!(
            values.lines().any(|l| l.starts_with(value)),
            "{value} in {values}"
        );
    }
}

#[test]
#[ignore = "needs zsh (cargo xtask ci runs it; .ci/run installs it)"]
fn zsh_completes_a_subcommands_flags_and_values() {
    let script = script("zsh");
    // zsh completes only in its line editor: drive one in a pseudo-terminal
    // (zpty), type the line and a Tab, and read the screen.
    let ask = |line: &str, expect: &str| {
        // Reads the screen until `expect` shows, for up to 30 s.
        let program = format!(
            r#"zmodload zsh/zpty
zpty z zsh -f -i
zpty -w z "PS1='> '; autoload -U compinit; compinit -u -D; source '{}'; compdef _toggl-clients toggl-clients"
zpty -w -n z $'{line}\t'
local out chunk
for i in {{1..60}}; do
  while zpty -r -t z chunk; do out+=$chunk; done
  [[ $out == *'{expect}'* ]] && break
  sleep 0.5
done
print -r -- "$out"
zpty -d z"#,
            script.display()
        );
        let screen = run("zsh", &["-f", "-c", &program]);
        // Without the terminal's escape sequences.
        let mut plain = String::new();
        let mut escape = false;
        for c in screen.chars() {
            match (escape, c) {
                (false, '\u{1b}') => escape = true,
                (true, c) if c.is_ascii_alphabetic() => escape = false,
                (true, _) | (false, '\r') => {}
                (false, c) => plain.push(c),
            }
        }
        plain
    };
    let flags = ask("toggl-clients list --sta", "--status");
    assert!(flags.contains("toggl-clients list --status"), "{flags}");
    let values = ask("toggl-clients list --status ", "Active and archived");
    for value in ["active", "archived", "both"] {
        assert!(values.contains(value), "{value} in {values}");
    }
}
