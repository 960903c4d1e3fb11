import { Argument, type Command, type Option } from 'commander';
import { loadCatalog } from '../../shared/catalog/index.ts';
import type { Registrar } from '../command.ts';
import { teach } from '../help.ts';
import { write } from '../io.ts';

// Shell completion generated from the program itself (commands, options, choices, region ids), so it can
// never drift from what the CLI accepts. No completion library: the three scripts are static text and the
// tree is commander's own.

export const SHELLS = ['bash', 'zsh', 'fish'] as const;
type Shell = (typeof SHELLS)[number];

/** Options whose value is a file name. */
const FILE_VALUES = /<(file|FILE)>/;

type Node = {
  /** "notify test" */
  path: string;
  subcommands: string[];
  options: Array<{
    flags: string[];
    takesValue: boolean;
    values?: string[];
    file: boolean;
    description: string;
  }>;
  /** Choices of the first positional argument (`invoke <function>`). */
  argument?: string[];
  description: string;
};

const optionNode = (option: Option, regions: string[]) => {
  const flags = [option.short, option.long].filter((f): f is string => Boolean(f));
  const takesValue = option.required || option.optional;
  const values = option.argChoices ?? (option.long === '--region' ? regions : undefined);
  return {
    flags,
    takesValue,
    ...(values ? { values } : {}),
    file: FILE_VALUES.test(option.flags),
    description: option.description,
  };
};

const nodes = (program: Command, regions: string[]): Node[] => {
  const out: Node[] = [];
  const visit = (command: Command, path: string[]) => {
    const args = (command as unknown as { registeredArguments: Argument[] }).registeredArguments ?? [];
    out.push({
      path: path.join(' '),
      subcommands: command.commands.map((c) => c.name()),
      options: [
        ...command.options.map((o) => optionNode(o, regions)),
        { flags: ['-h', '--help'], takesValue: false, file: false, description: 'show help' },
      ],
      ...(args[0]?.argChoices ? { argument: args[0].argChoices } : {}),
      description: command.description(),
    });
    for (const sub of command.commands) visit(sub, [...path, sub.name()]);
  };
  visit(program, []);
  return out;
};

const bash = (all: Node[]): string => {
  const cases = all
    .map((node) => {
      const words = [...node.subcommands, ...(node.argument ?? [])].join(' ');
      const flags = node.options.flatMap((o) => o.flags).join(' ');
      const values = node.options
        .filter((o) => o.takesValue)
        .map((o) => {
          const action = o.values
            ? `COMPREPLY=($(compgen -W "${o.values.join(' ')}" -- "$cur"))`
            : o.file
              ? 'COMPREPLY=($(compgen -f -- "$cur"))'
              : 'COMPREPLY=()';
          return `        ${o.flags.join('|')}) ${action}; return ;;`;
        })
        .join('\n');
      return `    "${node.path}")
      case "$prev" in
${values}
      esac
      # options when the word starts with a dash, as every completion does; else commands and arguments
      case "$cur" in
        -*) COMPREPLY=($(compgen -W "${flags}" -- "$cur")) ;;
        *) COMPREPLY=($(compgen -W "${words}" -- "$cur")) ;;
      esac ;;`;
    })
    .join('\n');
  return `# mse-watch completion for bash. Load it with:  source <(mse-watch completion bash)
_mse_watch() {
  local cur prev path="" word i
  cur="\${COMP_WORDS[COMP_CWORD]}"
  prev="\${COMP_WORDS[COMP_CWORD-1]}"
  for ((i = 1; i < COMP_CWORD; i++)); do
    word="\${COMP_WORDS[i]}"
    case "$word" in -*) continue ;; esac
    case " $(_mse_watch_subcommands "$path") " in
      *" $word "*) path="\${path:+$path }$word" ;;
    esac
  done
  case "$path" in
${cases}
  esac
}
_mse_watch_subcommands() {
  case "$1" in
${all.map((n) => `    "${n.path}") echo "${n.subcommands.join(' ')}" ;;`).join('\n')}
  esac
}
complete -F _mse_watch mse-watch
`;
};

const zshQuote = (text: string) => text.replace(/'/g, "'\\''").replace(/[[\]:]/g, '\\$&');

const zsh = (all: Node[]): string => {
  const functions = all
    .map((node) => {
      const name = `_mse_watch_${node.path.replace(/[^a-z0-9]+/g, '_') || 'root'}`;
      const specs = node.options.map((o) => {
        const value = o.takesValue
          ? `:value:${o.values ? `(${o.values.join(' ')})` : o.file ? '_files' : ' '}`
          : '';
        const names = o.flags.length > 1 ? `{${o.flags.join(',')}}` : o.flags[0];
        return `    ${o.flags.length > 1 ? `'(${o.flags.join(' ')})'${names}` : names}'[${zshQuote(o.description)}]${value}'`;
      });
      const describe = (sub: string) =>
        (all.find((n) => n.path === (node.path ? `${node.path} ${sub}` : sub))?.description ?? '').replace(
          /[:']/g,
          (c) => (c === ':' ? '\\:' : "'\\''"),
        );
      const positional =
        node.subcommands.length > 0
          ? ["    '1:command:->command'", "    '*::arg:->sub'"]
          : node.argument
            ? [`    '1:argument:(${node.argument.join(' ')})'`]
            : [];
      const dispatch =
        node.subcommands.length > 0
          ? `
  case $state in
    command)
      local -a commands
      commands=(${node.subcommands.map((sub) => `'${sub}:${describe(sub)}'`).join(' ')})
      _describe command commands ;;
    sub)
      case $words[1] in
${node.subcommands.map((sub) => `        ${sub}) _mse_watch_${`${node.path} ${sub}`.trim().replace(/[^a-z0-9]+/g, '_')} ;;`).join('\n')}
      esac ;;
  esac`
          : '';
      return `${name}() {
  local state
  _arguments -s \\
${[...specs, ...positional].join(' \\\n')}${dispatch}
}`;
    })
    .join('\n\n');
  return `#compdef mse-watch
# mse-watch completion for zsh. Load it with:  source <(mse-watch completion zsh)
# (or save it as _mse-watch in a directory of $fpath)
${functions}

if [[ $zsh_eval_context[-1] == loadautofunc ]]; then
  _mse_watch_root "$@"
else
  compdef _mse_watch_root mse-watch
fi
`;
};

const fishQuote = (text: string) => `'${text.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;

const fish = (all: Node[]): string => {
  const lines = ['# mse-watch completion for fish. Load it with:  mse-watch completion fish | source'];
  lines.push('complete -c mse-watch -f');
  for (const node of all) {
    const words = node.path === '' ? [] : node.path.split(' ');
    // this node is current when its path was typed and none of its subcommands yet
    const condition = [
      ...(words.length === 0
        ? [`not __fish_seen_subcommand_from ${all[0]?.subcommands.join(' ')}`]
        : words.map((word) => `__fish_seen_subcommand_from ${word}`)),
      ...(node.subcommands.length > 0 && words.length > 0
        ? [`not __fish_seen_subcommand_from ${node.subcommands.join(' ')}`]
        : []),
    ].join('; and ');
    for (const sub of node.subcommands) {
      const description = all.find((n) => n.path === [...words, sub].join(' '))?.description ?? '';
      lines.push(`complete -c mse-watch -n ${fishQuote(condition)} -a ${sub} -d ${fishQuote(description)}`);
    }
    if (node.argument)
      lines.push(`complete -c mse-watch -n ${fishQuote(condition)} -a ${fishQuote(node.argument.join(' '))}`);
    for (const option of node.options) {
      const names = option.flags
        .map((flag) => (flag.startsWith('--') ? `-l ${flag.slice(2)}` : `-s ${flag.slice(1)}`))
        .join(' ');
      const value = option.takesValue
        ? option.values
          ? ` -x -a ${fishQuote(option.values.join(' '))}`
          : option.file
            ? ' -r -F'
            : ' -x'
        : '';
      lines.push(
        `complete -c mse-watch -n ${fishQuote(condition)} ${names}${value} -d ${fishQuote(option.description)}`,
      );
    }
  }
  return `${lines.join('\n')}\n`;
};

export const completionScript = (program: Command, shell: Shell): string => {
  const all = nodes(
    program,
    loadCatalog().regions.map((region) => region.id),
  );
  switch (shell) {
    case 'bash':
      return bash(all);
    case 'zsh':
      return zsh(all);
    case 'fish':
      return fish(all);
    default: {
      const never: never = shell;
      throw new Error(`unknown shell ${String(never)}`);
    }
  }
};

export const registerCompletion: Registrar = (program, io) => {
  const command = program
    .command('completion')
    .description('print a shell completion script for bash, zsh or fish')
    .addArgument(new Argument('<shell>', 'the shell').choices(SHELLS))
    .action(async (shell: Shell) => {
      await write(io.stdout, completionScript(program, shell));
    });
  teach(
    command,
    [
      ['source <(mse-watch completion bash)', 'bash, this session (add the line to ~/.bashrc to keep it)'],
      [
        'source <(mse-watch completion zsh)',
        'zsh, this session (after compinit; or save it as _mse-watch in $fpath)',
      ],
      ['mse-watch completion fish > ~/.config/fish/completions/mse-watch.fish', 'fish, for good'],
    ],
    [0, 2],
  );
};
