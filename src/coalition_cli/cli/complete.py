"""Shell completion for bash, zsh and fish: the scripts, their installation, and the answers.

A completion script sends the command line typed so far (up to the cursor) in COMP_LINE, with
_COALITION_COMPLETE naming the shell; the answer is one candidate per line, in the form that shell
wants, or `:files` to let the shell complete a path. Commands and options come from grammar.py,
entry names from the cached store, so a TAB never imports typer. Nothing is ever printed on
stderr, and any problem (a broken handbook, a missing cache folder) gives no candidates, because
whatever is printed lands in the reader's prompt.
"""

from __future__ import annotations

import os
import sys

from coalition_cli.cli.argv import hoist_global_options, split_global
from coalition_cli.cli.grammar import COMMANDS, GLOBAL_OPTIONS, ROOT_OPTIONS
from coalition_cli.model.handbook import KIND_WORDS, KINDS, PLURALS, fold, unaccent

SHELLS = ("bash", "zsh", "fish")
FILES = ":files"  # the answer that asks the shell to complete a path itself
MAX_CANDIDATES = 200  # a TAB on nothing in a 100,000-entry handbook must not flood the screen

Candidate = tuple[str, str]  # (value, help shown by shells that show it)


# -- the answers -----------------------------------------------------------------------------------


def answer(shell: str) -> None:
    """Print the candidates for the line in COMP_LINE, for `shell`, and exit 0. Never raises."""
    try:
        if shell in SHELLS:
            line = os.environ.get("COMP_LINE", "")
            tokens = split_line(line)
            incomplete = tokens[-1][0] if tokens else ""
            words = [token for token, _ in tokens[1:-1]]
            try:
                found = candidates(words, incomplete)
            except Exception:
                # A damaged cache: any doubt means it is built again, and the TAB still answers.
                from coalition_cli.build import cache

                if not cache.read_from_files():
                    raise
                cache.distrust_opened()
                found = candidates(words, incomplete)
            sys.stdout.write(_format(shell, found, tokens[-1][1] if tokens else "", os.environ.get("COMP_WORD")))
            sys.stdout.flush()
    except Exception:  # nothing may reach the prompt
        pass
    sys.exit(0)


def split_line(line: str) -> list[tuple[str, str]]:
    """The words of a command line as the shell reads them, each with its raw text; the last is the
    word being completed (empty after a space). An unclosed quote leaves the last word open."""
    tokens: list[tuple[str, str]] = []
    word, raw, quote, started = "", "", "", False
    index = 0
    while index < len(line):
        char = line[index]
        if quote:
            raw += char
            if char == quote:
                quote = ""
            elif char == "\\" and quote == '"' and index + 1 < len(line) and line[index + 1] in '"\\$`':
                index += 1
                word += line[index]
                raw += line[index]
            else:
                word += char
        elif char in "'\"":
            quote, started = char, True
            raw += char
        elif char == "\\" and index + 1 < len(line):
            index += 1
            word += line[index]
            raw += "\\" + line[index]
            started = True
        elif char.isspace():
            if started:
                tokens.append((word, raw))
            word, raw, started = "", "", False
        else:
            word += char
            raw += char
            started = True
        index += 1
    tokens.append((word, raw))
    return tokens


def _format(shell: str, found: list[Candidate] | str, raw: str, bash_word: str | None) -> str:
    if found == FILES:
        return FILES + "\n"
    assert not isinstance(found, str)
    if shell == "bash":
        # bash replaces only its own current word, which stops at '=' or ':' (COMP_WORDBREAKS).
        cut = len(raw) - len(bash_word) if bash_word is not None and raw.endswith(bash_word) else 0
        values = [_bash_escape(value)[cut:] for value, _ in found]
        return "".join(value + "\n" for value in values)
    return "".join(f"{value}\t{' '.join(help_.split())}\n" for value, help_ in found)


# What bash reads as more than a letter: each is written after a backslash, as is any whitespace.
_BASH_SPECIAL = frozenset("'\"\\$`!&|;<>()[]{}*?#~^")
_BASH_ESCAPES = str.maketrans({c: "\\" + c for c in map(chr, range(128)) if c in _BASH_SPECIAL or c.isspace()})


def _bash_escape(value: str) -> str:
    """A candidate as bash must be given it. By a table (and a loop for text that is not ASCII), not
    a regular expression: importing `re` cost a TAB a sixth of its time."""
    if value.isascii():
        return value.translate(_BASH_ESCAPES)
    return "".join("\\" + c if c in _BASH_SPECIAL or c.isspace() else c for c in value)


def candidates(before: list[str], incomplete: str) -> list[Candidate] | str:
    """What may come next after the words `before`: commands, options, option values, kinds,
    entry names, or FILES."""
    if (before and GLOBAL_OPTIONS.get(before[-1])) or incomplete.startswith("--handbook="):
        return FILES  # --handbook PATH
    handbooks, _, command, rest = split_global(hoist_global_options(before))
    if command is None:
        if rest:  # after --version, --help or an unknown option, nothing more is expected
            return []
        if incomplete.startswith("-"):
            return _starting(incomplete, ROOT_OPTIONS.items())
        return _starting(incomplete, ((name, grammar["help"]) for name, grammar in COMMANDS.items()))
    if command not in COMMANDS:
        return []
    grammar = COMMANDS[command]
    options: dict[str, bool] = grammar["options"]
    if rest and options.get(rest[-1]) and "--" not in rest:
        return _option_values(command, rest[-1], incomplete, prefix="")
    if incomplete.startswith("--") and "=" in incomplete:
        name, _, value = incomplete.partition("=")
        return _option_values(command, name, value, prefix=name + "=") if options.get(name) else []
    if incomplete.startswith("-") and "--" not in rest:
        helps = {**grammar["option_help"], **{name: ROOT_OPTIONS[name] for name in GLOBAL_OPTIONS}}
        return _starting(incomplete, helps.items())
    positional = _positional(rest, options)
    completes = grammar["arguments"][0] if grammar["arguments"] else None
    if completes == "path":
        return FILES
    if completes == "kinds":
        return kind_candidates(incomplete, plural=True) if not positional else []
    if completes == "entries":
        return entry_candidates(positional, incomplete, handbooks)
    if completes in ("name", "names"):  # each argument one entry: path A B, compare A B C...
        if completes == "name" and len(positional) >= len(grammar["arguments"]):
            return []
        return _entry_names(incomplete, None, handbooks)
    if completes is not None and completes.startswith("choices:") and not positional:
        choices = grammar["params"][completes.partition(":")[2] + ":"]["choices"]
        return [(choice, "") for choice in choices if choice.startswith(incomplete.lower())]
    return []


def _starting(incomplete: str, pairs: object) -> list[Candidate]:
    return [(name, help_) for name, help_ in pairs if name.startswith(incomplete)]  # type: ignore[attr-defined]


def _option_values(command: str, option: str, incomplete: str, prefix: str) -> list[Candidate] | str:
    params = COMMANDS[command]["params"]
    name = params.get(option)
    facts = params.get(f"{name}:", {})
    if facts.get("path"):
        return FILES
    choices = facts.get("choices", ())
    if name == "kinds" and not choices:  # search --kind: the kinds of entry
        return [(prefix + value, help_) for value, help_ in kind_candidates(incomplete)]
    return [(prefix + choice, "") for choice in choices if choice.startswith(incomplete.lower())]


def _positional(args: list[str], options: dict[str, bool]) -> list[str]:
    """The positional words among typed arguments, skipping options and their values."""
    words: list[str] = []
    skip = False
    for index, word in enumerate(args):
        if skip:
            skip = False
        elif word == "--":
            return words + args[index + 1 :]
        elif word.startswith("-") and word != "-":
            skip = options.get(word, False)
        else:
            words.append(word)
    return words


def kind_candidates(incomplete: str, *, plural: bool = False) -> list[Candidate]:
    words = [PLURALS[kind] if plural else kind for kind in KINDS]
    return [(word, PLURALS[KIND_WORDS[word]]) for word in words if word.startswith(incomplete.lower())]


def entry_candidates(before: list[str], incomplete: str, handbooks: list[str] | None = None) -> list[Candidate]:
    """After `show` (or cite, related): kinds, and each matching entry once, by id when the id
    starts with what is typed, else by the name (title or alias) that does, as written."""
    kind = KIND_WORDS.get(before[0].lower()) if len(before) == 1 else None
    if len(before) > (1 if kind else 0):
        return []  # a name is already there
    return ([] if kind else kind_candidates(incomplete)) + _entry_names(incomplete, kind, handbooks)


def _entry_names(incomplete: str, kind: str | None, handbooks: list[str] | None) -> list[Candidate]:
    """Each entry whose id or a name starts with what is typed, once, by the name that does."""
    from coalition_cli.cli.commands import Session

    session = Session(handbooks, pager=False, quiet=True)
    try:
        names = session.store().names_starting(fold(incomplete), kind, MAX_CANDIDATES)
    finally:
        session.close()
    typed = unaccent(incomplete)
    found: dict[str, Candidate] = {}
    for entry_id, entry_kind, title, written in names:
        # The store matched folded names (no case, accents or punctuation); the shell will put the
        # value in place of what is typed, so it must also start with exactly that.
        if entry_id not in found and unaccent(written).startswith(typed):
            found[entry_id] = (written, f"{entry_kind}: {title}")
    return list(found.values())


# -- the scripts -----------------------------------------------------------------------------------

BASH = r"""# bash completion for coalition; load it with: source <(coalition --show-completion bash)
_coalition_complete() {
    local response
    response=$(COMP_LINE="${COMP_LINE:0:COMP_POINT}" COMP_WORD="${COMP_WORDS[COMP_CWORD]}" \
        _COALITION_COMPLETE=bash "$1" 2>/dev/null)
    COMPREPLY=()
    if [[ "$response" == ":files" ]]; then
        compopt -o default 2>/dev/null
    elif [[ -n "$response" ]]; then
        mapfile -t COMPREPLY <<< "$response"
    fi
    return 0
}
complete -F _coalition_complete coalition
"""

ZSH = r"""#compdef coalition
# zsh completion for coalition; load it with: source <(coalition --show-completion zsh)
_coalition() {
    local -a values displays
    local response line value help
    response="$(COMP_LINE="${(j: :)${(@)words[1,CURRENT]}}" _COALITION_COMPLETE=zsh "${words[1]}" 2>/dev/null)"
    if [[ "$response" == ":files" ]]; then
        _files
        return
    fi
    for line in "${(@f)response}"; do
        [[ -z "$line" ]] && continue
        value="${line%%$'\t'*}"
        help="${line#*$'\t'}"
        values+=("$value")
        if [[ -n "$help" && "$help" != "$line" ]]; then
            displays+=("$value  -- $help")
        else
            displays+=("$value")
        fi
    done
    (( ${#values} )) && compadd -U -V coalition -l -d displays -a values
}
if [[ "${funcstack[1]}" == "_coalition" ]]; then
    _coalition "$@"
else
    compdef _coalition coalition
fi
"""

FISH = r"""# fish completion for coalition; load it with: coalition --show-completion fish | source
function __coalition_complete
    set -lx COMP_LINE (commandline -cp)
    set -lx _COALITION_COMPLETE fish
    set -l response (coalition 2>/dev/null)
    if test "$response" = ":files"
        __fish_complete_path (commandline -ct)
        return
    end
    printf '%s\n' $response
end
complete -c coalition -f -a '(__coalition_complete)'
"""

SCRIPTS = {"bash": BASH, "zsh": ZSH, "fish": FISH}


def detect_shell() -> str | None:
    """The shell the reader is typing in: the parent process, else $SHELL."""
    try:
        with open(f"/proc/{os.getppid()}/comm", encoding="utf-8") as handle:
            parent = handle.read().strip()
    except OSError:
        parent = ""
    for name in (parent, os.path.basename(os.environ.get("SHELL", ""))):
        name = name.lstrip("-")  # a login shell is named "-bash"
        if name in SHELLS:
            return name
    return None


def script_request(args: list[str]) -> None:
    """Answer `--show-completion [SHELL]` or `--install-completion [SHELL]` (the shell named wins
    over the one detected) and exit; return for anything else."""
    from coalition_cli.cli.argv import skip_global_options

    args = skip_global_options(args)
    if not args:
        return
    option, equals, named = args[0].partition("=")
    if option not in ("--show-completion", "--install-completion"):
        return
    from coalition_cli.cli import commands
    from coalition_cli.model.errors import UsageProblem
    from coalition_cli.terminal import output

    rest = args[1:]
    if not equals and rest and not rest[0].startswith("-"):
        named, rest = rest[0], rest[1:]
    if rest:
        commands.fail(UsageProblem(f"unexpected '{rest[0]}' after {option} (see '{commands.PROG} --help')").message, 2)
    shell = named or detect_shell()
    if shell not in SHELLS:
        which = f'"{named}" is not a shell coalition completes' if named else "cannot tell which shell you use"
        commands.fail(UsageProblem(f"{which}; name one: {option} bash|zsh|fish").message, 2)
    if option == "--show-completion":
        commands.conclude(lambda: output.write(SCRIPTS[shell]))
    commands.conclude(lambda: install(shell))


def install(shell: str) -> None:
    """Write the script where `shell` looks for it, and the line that loads it into the shell's
    startup file when that is needed (once)."""
    from pathlib import Path

    from coalition_cli.terminal import output

    home = Path.home()
    if shell == "fish":
        config = Path(os.environ.get("XDG_CONFIG_HOME") or home / ".config")
        target = config / "fish" / "completions" / "coalition.fish"
        startup, lines = None, []
    elif shell == "zsh":
        target = home / ".zfunc" / "_coalition"
        startup = Path(os.environ.get("ZDOTDIR") or home) / ".zshrc"
        lines = ["fpath+=~/.zfunc", "autoload -Uz compinit && compinit"]
    else:
        target = home / ".bash_completions" / "coalition.sh"
        startup = home / ".bashrc"
        lines = [f'source "{target}"']
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(SCRIPTS[shell], encoding="utf-8")
    if startup is not None:
        existing = startup.read_text(encoding="utf-8") if startup.exists() else ""
        missing = [line for line in lines if line not in existing.splitlines()]
        if missing:
            with startup.open("a", encoding="utf-8") as handle:
                handle.write(("\n" if existing and not existing.endswith("\n") else "") + "\n".join(missing) + "\n")
    where = f" and loaded from {startup}" if startup is not None else ""
    output.write(f"{shell} completion installed in {target}{where}; open a new shell to use it\n")
