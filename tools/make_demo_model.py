#!/usr/bin/env python3
"""Build Foundry Local Bench's tiny demo chat model, offline and deterministically.

The result is a real (if useless) ONNX Runtime GenAI int4 CPU model that Foundry Local
can register in its local catalog, load and chat with, so the app, its tests and its
screenshots have a model to benchmark without any download.

Steps (all offline, fixed seeds):
  1. generate short ChatML conversations from templates and word lists (no data download);
  2. train a byte-level BPE tokenizer on them (``tokenizers``);
  3. train a ~1 M-parameter Llama-architecture model on CPU (``torch``, AdamW, one thread);
  4. ``save_pretrained`` and convert with ``onnxruntime_genai.models.builder -p int4 -e cpu``;
  5. write the chat template to both ``chat_template.jinja`` and ``tokenizer_config.json``,
     drop files the runtime does not need, write ``MODEL_CARD.md``, and copy the folder
     to ``resources/demo_model/``.

Run it with the build virtualenv (see tools/README.md), not the app's:

    /work/venv-build/bin/python tools/make_demo_model.py

Options: ``--out DIR`` (default: resources/demo_model next to this tools/ folder),
``--build-dir DIR`` (default: build/demo_model, git-ignored), ``--steps N``,
``--check`` (after building, generate a few answers with onnxruntime_genai).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import os
import random
import shutil
import subprocess
import sys
import time
from pathlib import Path

# Determinism and offline operation must be set before torch/transformers are imported.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("MKL_NUM_THREADS", "1")

SEED = 1234
MODEL_ID = "foundry-bench-demo-generic-cpu:1"

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUT = REPO_ROOT / "resources" / "demo_model"
DEFAULT_BUILD = REPO_ROOT / "build" / "demo_model"

# Model and training hyper-parameters (changing any of them changes the output bytes).
VOCAB_SIZE = 1536
HIDDEN = 128
INTERMEDIATE = 256
LAYERS = 4
HEADS = 4
KV_HEADS = 2
CONTEXT = 4096  # advertised context length (genai_config model.context_length)
SEQ_LEN = 128  # training block length
BATCH = 16
STEPS = 2000
LR = 3e-3
WARMUP = 60
SEARCH_DEFAULTS = {"temperature": 0.7, "top_p": 0.9, "top_k": 50}  # genai_config.json "search"
PROMPT_WEIGHT = 0.1  # loss weight of system/user tokens (assistant tokens weigh 1.0)
N_CONVERSATIONS = 24000

IM_START, IM_END, EOT = "<|im_start|>", "<|im_end|>", "<|endoftext|>"

CHAT_TEMPLATE = (
    "{%- for message in messages -%}"
    "{%- if message['content'] is string -%}"
    "{{- '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n' -}}"
    "{%- else -%}"
    "{{- '<|im_start|>' + message['role'] + '\\n' -}}"
    "{%- for part in message['content'] -%}"
    "{%- if part['type'] == 'text' -%}{{- part['text'] -}}{%- endif -%}"
    "{%- endfor -%}"
    "{{- '<|im_end|>' + '\\n' -}}"
    "{%- endif -%}"
    "{%- endfor -%}"
    "{%- if add_generation_prompt -%}{{- '<|im_start|>assistant\\n' -}}{%- endif -%}"
)


# --------------------------------------------------------------------------------------
# 1. Training text: short chat conversations generated from templates
# --------------------------------------------------------------------------------------

# fmt: off
NAMES = ["Alice", "Bob", "Carol", "David", "Emma", "Frank", "Grace", "Henry", "Maria", "Omar",
         "Priya", "Sam", "Lena", "Kenji", "Noah", "Zoe", "Ravi", "Sara", "Tom", "Nina"]
TEAMS = ["the team", "the design team", "the sales team", "the data team", "the support team",
         "the product group", "the engineers", "the managers", "the web team", "the research group"]
# (when a decision happens, when a meeting happens)
DAYS = [("on Monday", "on Monday"), ("on Tuesday", "on Tuesday"), ("on Wednesday", "on Wednesday"),
        ("on Thursday", "on Thursday"), ("on Friday", "on Friday"), ("next week", "next week"),
        ("by the end of the month", "at the end of the month"),
        ("on the first of June", "on the first of June"),
        ("in the next sprint", "at the start of the next sprint")]
ACTIONS = ["ship the new release", "ship", "move the launch", "fix the login bug",
           "update the budget", "hire two engineers", "review the new design", "test the new model",
           "clean up the old code",
           "write the user guide", "cut the cloud costs", "start the beta", "pause the project",
           "move to the new server", "add dark mode", "run the benchmark again", "delay the launch",
           "finish the report", "change the pricing", "upgrade the database"]
TASKS = ["write the release notes", "send the report to the client", "book a room for the demo",
         "check the test results", "call the vendor", "update the roadmap", "prepare the slides",
         "fix the broken tests", "talk to the legal team", "set up the new laptops",
         "share the meeting notes", "measure the latency", "draft the email to users",
         "review the open bugs", "plan the training day"]
CONCERNS = ["the tests are slow", "the budget is tight", "two bugs are still open",
            "the server costs went up", "the deadline is close", "the team is short of people",
            "users find the setup hard", "the model is too slow on old laptops",
            "the docs are out of date", "the vendor is late"]
NOTE_EXTRAS = ["The room was booked for two hours.", "Coffee was served.",
               "Everyone joined on time.",
               "The call started ten minutes late.", "Two people were out sick."]

# concept -> (genus, what it does, usage / second sentence)
CONCEPTS = {
    "a neural network": ("a computer model made of many small connected units",
                         "learns patterns from examples",
                         "It is used to recognize images, understand speech and write text."),
    "a database": ("a program", "stores data in an organized way",
                   "Apps use it to save and find information quickly."),
    "a compiler": ("a tool", "turns source code into a program the computer can run",
                   "Developers use it every time they build their code."),
    "the cloud": ("a set of computers in large data centers",
                  "runs programs and stores files for you",
                  "You pay for what you use instead of buying your own servers."),
    "a CPU": ("the main chip of a computer", "runs the instructions of every program",
              "A faster CPU makes most tasks finish sooner."),
    "a GPU": ("a chip with many small cores", "does many simple math steps at the same time",
              "It is used for games and to train and run AI models."),
    "a token": ("a small piece of text", "a language model reads and writes one at a time",
                "A word can be one token or a few tokens."),
    "a benchmark": ("a repeatable test", "measures how fast or how good a system is",
                    "Running the same benchmark on two machines lets you compare them."),
    "latency": ("the time you wait", "passes between a request and its answer",
                "Low latency makes an app feel fast."),
    "throughput": ("the amount of work", "a system finishes in a unit of time",
                   "For a language model it is often measured in tokens per second."),
    "an API": ("a set of rules", "lets one program talk to another program",
               "A web API answers requests that are sent over the network."),
    "a cache": ("a small and fast store", "keeps recent data close so it can be used again",
                "A good cache saves time and network traffic."),
    "a language model": ("a neural network", "predicts the next word in a piece of text",
                         "It can answer questions, write summaries and chat."),
    "machine learning": ("a way to build programs",
                         "learn rules from data instead of being told them",
                         "It powers search, spam filters and voice assistants."),
    "an operating system": ("the main software of a computer", "manages memory, files and programs",
                            "Windows, Linux and macOS are operating systems."),
    "a server": ("a computer", "answers requests from other computers",
                 "Web sites and apps run on servers."),
    "encryption": ("a method", "scrambles data so only the right people can read it",
                   "It keeps passwords and messages safe."),
    "a firewall": ("a security tool", "blocks network traffic that is not allowed",
                   "It protects a computer or a network from attacks."),
    "quantization": ("a technique", "stores the numbers of a model with fewer bits",
                     "It makes a model smaller and faster with a small loss of quality."),
    "a transformer": ("a kind of neural network", "uses attention to look at all the words at once",
                      "Most modern language models are transformers."),
    "a prompt": ("the text", "you give to a language model as input",
                 "A clear prompt usually gives a better answer."),
    "the context window": ("the number of tokens", "a model can read at one time",
                           "Text that does not fit in the window is not seen."),
    "memory": ("the part of a computer", "holds the data that programs are using right now",
               "More memory lets you run bigger programs."),
    "a spreadsheet": ("a program", "organizes numbers and text in rows and columns",
                      "People use it for budgets, lists and simple reports."),
    "version control": ("a system", "records every change to a set of files",
                        "It lets a team work on the same code and undo mistakes."),
    "a bug": ("a mistake in a program", "makes it behave in the wrong way",
              "Developers find and fix bugs with tests and careful reading."),
    "unit testing": ("a practice", "checks small parts of a program one at a time",
                     "Good tests catch bugs before users see them."),
    "the internet": ("a huge network of computers", "share data with each other",
                     "It carries web pages, email and video around the world."),
    "a password": ("a secret word or phrase", "proves who you are to a system",
                   "A long and unique password is much safer."),
    "photosynthesis": ("the process", "plants use to turn sunlight, water and air into food",
                       "It also releases the oxygen that we breathe."),
    "gravity": ("the force", "pulls objects toward each other",
                "It keeps us on the ground and the moon around the earth."),
    "the weather": ("the state of the air", "changes from day to day",
                    "It includes rain, wind, heat and clouds."),
    "a budget": ("a plan", "shows how much money you expect to earn and spend",
                 "It helps a team decide what it can afford."),
    "a meeting": ("a planned talk", "brings people together to share news and make decisions",
                  "A short agenda keeps a meeting on track."),
    "a deadline": ("a date or time", "by which a task must be finished",
                   "Clear deadlines help a team plan its work."),
    "a laptop": ("a small portable computer", "runs on a battery",
                 "You can carry it and work almost anywhere."),
    "inference": ("the step", "uses a trained model to make predictions on new data",
                  "Running a chat model on your laptop is inference."),
    "training": ("the process", "teaches a model by showing it many examples",
                 "It needs a lot of data and a lot of computing time."),
    "open source": ("software", "anyone can read, use and change",
                    "Many people can help improve it."),
    "a summary": ("a short version of a text", "keeps only the main points",
                  "It saves the reader time."),
}

LISTS = {
    "fruits": ["apples", "bananas", "oranges", "grapes", "pears", "mangoes", "cherries", "lemons"],
    "colors": ["red", "blue", "green", "yellow", "purple", "orange", "black", "white"],
    "animals": ["dogs", "cats", "horses", "lions", "rabbits", "elephants", "owls", "dolphins"],
    "programming languages": ["Python", "Java", "C", "Rust", "Go", "JavaScript", "C sharp", "Ruby"],
    "planets": ["Mercury", "Venus", "Earth", "Mars", "Jupiter", "Saturn", "Uranus", "Neptune"],
    "ways to save energy": ["turn off the lights", "unplug old chargers", "use less hot water",
                            "close the windows in winter", "walk instead of driving",
                            "dry clothes in the sun"],
    "tips for a good meeting": ["share an agenda", "start on time", "keep it short",
                                "write down the decisions", "give everyone a chance to speak",
                                "end with clear tasks"],
    "ways to make code faster": ["measure before you change anything", "cache slow results",
                                 "use a better algorithm", "avoid extra copies of data",
                                 "do less work in loops", "run tasks in parallel"],
    "benefits of exercise": ["better sleep", "a stronger heart", "more energy", "less stress",
                             "a better mood", "stronger muscles"],
    "things to check before a release": ["all tests pass", "the version number is right",
                                         "the release notes are ready", "the docs are up to date",
                                         "the install works on a clean machine",
                                         "old bugs are closed"],
    "uses of a GPU": ["playing games", "training models", "running models", "editing video",
                      "drawing 3D scenes", "doing science"],
    "vegetables": ["carrots", "peas", "onions", "potatoes", "beans", "tomatoes", "spinach", "corn"],
    "kinds of weather": ["rain", "snow", "wind", "fog", "sunshine", "storms"],
    "parts of a computer": ["the CPU", "the memory", "the disk", "the screen", "the keyboard",
                            "the power supply"],
    "ways to stay focused": ["turn off alerts", "take short breaks", "work on one task at a time",
                             "set a clear goal", "keep your desk tidy", "drink enough water"],
    "sports": ["soccer", "tennis", "running", "swimming", "basketball", "cycling", "golf", "rugby"],
    "things to pack for a trip": ["a phone charger", "a toothbrush", "a warm coat", "your passport",
                                  "a water bottle", "comfortable shoes"],
    "ways to measure a model": ["tokens per second", "time to first token", "memory use",
                                "answer quality", "load time", "total latency"],
}
NUM_WORDS = {2: "two", 3: "three", 4: "four", 5: "five"}

STORY_TOPICS = ["a lost cat", "a small robot", "a rainy day", "a new job", "a long trip",
                "a broken laptop", "a friendly dog", "a quiet village", "a busy office", "the sea"]
STORY_PLACES = ["a small town", "a big city", "an old house", "a quiet office", "a green park",
                "a cold mountain", "a busy market"]
STORY_OBJECTS = ["an old map", "a red key", "a strange box", "a lost letter", "a shiny coin",
                 "a tiny lamp"]
STORY_ENDS = ["In the end, everyone was happy.", "From that day on, life was a little brighter.",
              "It was the best day of the year.", "They laughed about it for a long time."]

TIPS = {
    "writing emails": "Keep it short and put the main point in the first line.",
    "learning to code": "Write a little code every day and build small projects.",
    "sleeping better": "Go to bed at the same time every night and avoid screens late in the "
                       "evening.",
    "giving a talk": "Practice it out loud and keep your slides simple.",
    "saving money": "Write down what you spend and set a small goal each month.",
    "running a benchmark": "Close other apps and run each test more than once.",
    "working from home": "Keep a fixed schedule and a quiet place to work.",
    "reading more": "Carry a book with you and read for ten minutes a day.",
    "cooking dinner": "Prepare the vegetables first and keep the recipe simple.",
    "studying for a test": "Study a little every day and test yourself often.",
}

SYSTEM_PROMPTS = ["You are a helpful assistant.", "You are a helpful assistant. Answer briefly.",
                  "You are a concise assistant.", "Answer the question clearly.",
                  "You are a friendly AI assistant."]
# fmt: on


def _cap(s: str) -> str:
    return s[0].upper() + s[1:]


def _bare(concept: str) -> str:
    for article in ("a ", "an ", "the "):
        if concept.startswith(article):
            return concept[len(article) :]
    return concept


def _join(items: list[str]) -> str:
    if len(items) == 2:
        return f"{items[0]} and {items[1]}"
    return ", ".join(items[:-1]) + f", and {items[-1]}"


def make_meeting(rng: random.Random) -> tuple[str, str]:
    team, action, day_phrase = rng.choice(TEAMS), rng.choice(ACTIONS), rng.choice(DAYS)[0]
    name, task = rng.choice(NAMES), rng.choice(TASKS)
    concern, next_phrase = rng.choice(CONCERNS), rng.choice(DAYS)[1]
    facts = [("decision", f"{_cap(team)} agreed to {action} {day_phrase}.")]
    if rng.random() < 0.7:
        facts.append(("task", f"{name} will {task}."))
    if rng.random() < 0.5:
        facts.append(("concern", f"{rng.choice(NAMES)} said that {concern}."))
    if rng.random() < 0.4:
        facts.append(("next", f"The next meeting is {next_phrase}."))
    if rng.random() < 0.2:
        facts.append(("extra", rng.choice(NOTE_EXTRAS)))
    shown = [f for f in facts]
    if len(shown) > 2 and rng.random() < 0.3:
        rng.shuffle(shown)
    style = rng.random()
    if style < 0.6:
        notes = " ".join(text for _, text in shown)
    elif style < 0.8:
        notes = "\n" + "\n".join(f"- {text}" for _, text in shown)
    else:
        notes = " ".join(
            text.lower() if i == 0 and text.startswith("The team") else text
            for i, (_, text) in enumerate(shown)
        )
    prompt = rng.choice(
        [
            "Summarize these meeting notes: {n}",
            "Summarize the meeting notes: {n}",
            "Summarize the meeting notes: {n}",
            "Please summarize: {n}",
            "Give me a short summary of this meeting: {n}",
            "Summarize this in one or two sentences: {n}",
            "Can you summarize these notes? {n}",
            "Here are my meeting notes: {n} Summarize them.",
            "Summarize: {n}",
        ]
    ).format(n=notes)

    parts = []
    kinds = dict(facts)
    opener = rng.choice(["", "", "In short, ", "Summary: ", "The main point is that "])
    decision = f"{team} agreed to {action} {day_phrase}"
    parts.append(_cap(opener + decision) + "." if opener else _cap(decision) + ".")
    if "task" in kinds:
        parts.append(
            rng.choice(
                [
                    f"{name} will {task}.",
                    f"{name} is in charge of the next step: {name} will {task}.",
                    f"As a next step, {name} will {task}.",
                ]
            )
        )
    if "concern" in kinds:
        parts.append(
            rng.choice(
                [
                    f"One concern is that {concern}.",
                    f"The team noted that {concern}.",
                    f"A risk was raised: {concern}.",
                ]
            )
        )
    if "next" in kinds:
        parts.append(f"The group will meet again {next_phrase}.")
    if len(parts) == 1:
        parts.append(
            rng.choice(
                [
                    "No other decisions were made.",
                    "Everyone agreed with the plan.",
                    "There were no open questions.",
                    "The plan is clear and everyone agreed.",
                ]
            )
        )
    return prompt, " ".join(parts)


def make_explain(rng: random.Random) -> tuple[str, str]:
    concept = rng.choice(list(CONCEPTS))
    genus, does, usage = CONCEPTS[concept]
    bare = _bare(concept)
    prompt = rng.choice(
        [
            "Explain what {c} is.",
            "Explain what {c} is in two sentences.",
            "What is {c}?",
            "Can you explain {c} in simple words?",
            "Describe {c} briefly.",
            "Tell me about {c}.",
            "Explain {b} to a child.",
            "What does {b} mean?",
            "Explain what {c} is in one sentence.",
            "Define {b}.",
        ]
    ).format(c=concept, b=bare)
    # 'that' clauses read well for most entries; 'the number of tokens a model can read' etc. too.
    first = f"{_cap(concept)} is {genus} that {does}."
    if "one sentence" in prompt:
        return prompt, first
    style = rng.random()
    if style < 0.5:
        answer = f"{first} {usage}"
    elif style < 0.75:
        answer = f"In simple words, {concept} is {genus} that {does}. {usage}"
    else:
        answer = f"{first} {usage} In short, it is a useful idea to know."
    return prompt, answer


def make_list(rng: random.Random) -> tuple[str, str]:
    cat = rng.choice(list(LISTS))
    n = rng.choice([3, 3, 3, 2, 4, 5])
    # A window of consecutive items (wrapping around): every item follows from the previous one,
    # which keeps a model this small from repeating itself ("pears, pears, and pears").
    pool = LISTS[cat]
    start = rng.randrange(len(pool))
    items = [pool[(start + i) % len(pool)] for i in range(n)]
    word = NUM_WORDS[n]
    prompt = rng.choice(
        [
            "List {w} {c}.",
            "Name {w} {c}.",
            "Give me {w} {c}.",
            "What are {w} {c}?",
            "List {w} {c}, please.",
            "Can you list {w} {c}?",
        ]
    ).format(w=word, c=cat)
    style = rng.random()
    if style < 0.45:
        answer = f"Here are {word} {cat}:\n" + "\n".join(
            f"{i + 1}. {_cap(x)}" for i, x in enumerate(items)
        )
    elif style < 0.8:
        answer = f"{_cap(word)} {cat} are {_join(items)}."
    else:
        answer = f"Sure. Here are {word} {cat}:\n" + "\n".join(f"- {_cap(x)}" for x in items)
    return prompt, answer


def make_story(rng: random.Random) -> tuple[str, str]:
    topic, name = rng.choice(STORY_TOPICS), rng.choice(NAMES)
    place, obj = rng.choice(STORY_PLACES), rng.choice(STORY_OBJECTS)
    prompt = rng.choice(
        [
            "Write a short story about {t}.",
            "Tell me a story about {t}.",
            "Write a story about {t}.",
            "Write a few sentences about {t}.",
        ]
    ).format(t=topic)
    answer = (
        f"This is a story about {topic}. Once upon a time, {name} lived in {place}. "
        f"One day, {name} found {obj}. {name} was surprised and told a friend about it. "
        f"{rng.choice(STORY_ENDS)}"
    )
    return prompt, answer


def make_tip(rng: random.Random) -> tuple[str, str]:
    topic = rng.choice(list(TIPS))
    prompt = rng.choice(
        [
            "Give me a tip for {t}.",
            "Any advice for {t}?",
            "How can I get better at {t}?",
            "What is a good tip for {t}?",
        ]
    ).format(t=topic)
    answer = rng.choice(["Here is a tip: ", "A good tip is this: ", ""]) + TIPS[topic]
    if rng.random() < 0.5:
        answer += " Small steps add up over time."
    return prompt, answer


def make_greeting(rng: random.Random) -> tuple[str, str]:
    if rng.random() < 0.2:
        prompt = rng.choice(
            ["Thanks!", "Thank you.", "thanks", "Thank you for the help.", "Great, thanks."]
        )
        return prompt, rng.choice(
            [
                "You are welcome! Let me know if you need anything else.",
                "Happy to help. Have a nice day!",
            ]
        )
    prompt = rng.choice(
        [
            "Hello",
            "Hi!",
            "Hello, how are you?",
            "Hi, who are you?",
            "Good morning.",
            "Hey there.",
            "What can you do?",
            "Who made you?",
            "hello",
            "hi",
            "hey",
            "Hello!",
            "Hi there, can you help me?",
        ]
    )
    answer = rng.choice(
        [
            "Hello! I am a small demo model for benchmarks. How can I help you today?",
            "Hi! I am a tiny test model. I can write short answers, lists and summaries.",
            "Hello! I am a very small model, so my answers are simple. "
            "What would you like to know?",
        ]
    )
    return prompt, answer


# fmt: off
CAPITALS = {"France": "Paris", "Germany": "Berlin", "Italy": "Rome", "Spain": "Madrid",
            "Japan": "Tokyo", "Canada": "Ottawa", "Egypt": "Cairo", "Kenya": "Nairobi",
            "Peru": "Lima", "India": "New Delhi", "China": "Beijing", "Brazil": "Brasilia",
            "Norway": "Oslo", "Greece": "Athens", "Mexico": "Mexico City", "Poland": "Warsaw"}
FACTS = [
    ("How many days are in a week?", "There are seven days in a week."),
    ("How many hours are in a day?", "There are twenty four hours in a day."),
    ("How many months are in a year?", "There are twelve months in a year."),
    ("What color is the sky?", "On a clear day the sky is blue."),
    ("What is the largest ocean?", "The Pacific Ocean is the largest ocean on Earth."),
    ("What do bees make?", "Bees make honey and wax."),
    ("What is water made of?", "Water is made of hydrogen and oxygen."),
    ("What is the boiling point of water?",
     "Water boils at one hundred degrees Celsius at sea level."),
    ("Which planet is closest to the sun?", "Mercury is the planet closest to the sun."),
    ("What language is this app written in?",
     "I do not know that, but many apps like it are written in Python."),
    ("What time is it?", "I cannot see a clock, so I do not know the time."),
    ("What is the weather today?",
     "I cannot check the weather, because I have no internet access."),
]
# fmt: on


def make_fact(rng: random.Random) -> tuple[str, str]:
    if rng.random() < 0.6:
        country = rng.choice(list(CAPITALS))
        prompt = rng.choice(
            [
                "What is the capital of {c}?",
                "Name the capital of {c}.",
                "Which city is the capital of {c}?",
            ]
        ).format(c=country)
        return prompt, f"The capital of {country} is {CAPITALS[country]}."
    return rng.choice(FACTS)


def make_why(rng: random.Random) -> tuple[str, str]:
    concept = rng.choice(list(CONCEPTS))
    genus, does, usage = CONCEPTS[concept]
    prompt = rng.choice(
        ["Why is {c} important?", "Why do people use {c}?", "Why does {c} matter?"]
    ).format(c=concept)
    answer = f"{_cap(concept)} matters because it is {genus} that {does}. {usage}"
    return prompt, answer


GENERATORS = [
    (make_meeting, 0.33),
    (make_explain, 0.22),
    (make_list, 0.16),
    (make_story, 0.07),
    (make_tip, 0.06),
    (make_why, 0.06),
    (make_greeting, 0.05),
    (make_fact, 0.05),
]


def vary_prompt(rng: random.Random, prompt: str) -> str:
    """Casual spellings of the same request, so 'hello' works as well as 'Hello.'."""
    r = rng.random()
    if r < 0.08:
        prompt = prompt.lower()
    elif r < 0.2:
        prompt = prompt[0].lower() + prompt[1:]
    if rng.random() < 0.1 and prompt[-1] in ".?!":
        prompt = prompt[:-1]
    return prompt


def _pick_generator(r: float):
    acc = 0.0
    for gen, weight in GENERATORS:
        acc += weight
        if r < acc:
            return gen
    return GENERATORS[-1][0]


def make_conversation(rng: random.Random) -> str:
    msgs = []
    if rng.random() < 0.3:
        msgs.append(("system", rng.choice(SYSTEM_PROMPTS)))
    turns = 2 if rng.random() < 0.08 else 1
    for _ in range(turns):
        prompt, answer = _pick_generator(rng.random())(rng)
        msgs.append(("user", vary_prompt(rng, prompt)))
        msgs.append(("assistant", answer))
    return "".join(f"{IM_START}{role}\n{text}{IM_END}\n" for role, text in msgs)


def make_corpus(n: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    return [make_conversation(rng) for _ in range(n)]


# --------------------------------------------------------------------------------------
# 2. Tokenizer
# --------------------------------------------------------------------------------------


def train_tokenizer(corpus: list[str], hf_dir: Path):
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=VOCAB_SIZE,
        special_tokens=[EOT, IM_START, IM_END],
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    # Train on the text between special tokens so merges never straddle them.
    pieces = []
    for conv in corpus:
        for chunk in conv.replace(IM_START, "\x00").replace(IM_END, "\x00").split("\x00"):
            if chunk:
                pieces.append(chunk)
    tok.train_from_iterator(pieces, trainer=trainer, length=len(pieces))

    fast = PreTrainedTokenizerFast(
        tokenizer_object=tok,
        bos_token=EOT,
        eos_token=IM_END,
        unk_token=EOT,
        pad_token=EOT,
        additional_special_tokens=[IM_START],
        clean_up_tokenization_spaces=False,
        model_max_length=CONTEXT,
    )
    fast.chat_template = CHAT_TEMPLATE
    fast.save_pretrained(hf_dir)
    return fast


# --------------------------------------------------------------------------------------
# 3. Model training
# --------------------------------------------------------------------------------------


def train_model(corpus: list[str], tokenizer, hf_dir: Path, steps: int) -> int:
    import torch
    from transformers import GenerationConfig, LlamaConfig, LlamaForCausalLM

    torch.manual_seed(SEED)
    torch.set_num_threads(1)
    torch.use_deterministic_algorithms(True)

    eot = tokenizer.convert_tokens_to_ids(EOT)
    im_end = tokenizer.convert_tokens_to_ids(IM_END)
    # Token ids plus a per-token loss weight: full weight on what the assistant writes
    # (its answer and the closing <|im_end|>), PROMPT_WEIGHT on system/user text.
    ids: list[int] = []
    weights: list[float] = []
    for conv in corpus:
        for turn in conv.split(IM_START)[1:]:
            head, _, body = turn.partition("\n")
            head_ids = tokenizer(IM_START + head + "\n", add_special_tokens=False)["input_ids"]
            body_ids = tokenizer(body, add_special_tokens=False)["input_ids"]
            w = 1.0 if head == "assistant" else PROMPT_WEIGHT
            ids.extend(head_ids)
            weights.extend([PROMPT_WEIGHT] * len(head_ids))
            ids.extend(body_ids)
            weights.extend([w] * len(body_ids))
    data = torch.tensor(ids, dtype=torch.long)
    wdata = torch.tensor(weights, dtype=torch.float32)
    n_blocks = (len(data) - 1) // SEQ_LEN
    print(
        f"  corpus: {len(corpus)} conversations, {len(data)} tokens, {n_blocks} blocks of {SEQ_LEN}"
    )

    config = LlamaConfig(
        vocab_size=len(tokenizer),
        hidden_size=HIDDEN,
        intermediate_size=INTERMEDIATE,
        num_hidden_layers=LAYERS,
        num_attention_heads=HEADS,
        num_key_value_heads=KV_HEADS,
        max_position_embeddings=CONTEXT,
        rms_norm_eps=1e-5,
        rope_theta=10000.0,
        tie_word_embeddings=False,
        bos_token_id=eot,
        eos_token_id=im_end,
        pad_token_id=eot,
        hidden_act="silu",
        attention_bias=False,
        mlp_bias=False,
    )
    model = LlamaForCausalLM(config)
    n_params = sum(p.numel() for p in model.parameters())
    print(f"  model: {n_params:,} parameters")

    decay = [p for n, p in model.named_parameters() if p.dim() >= 2]
    no_decay = [p for n, p in model.named_parameters() if p.dim() < 2]
    opt = torch.optim.AdamW(
        [{"params": decay, "weight_decay": 0.05}, {"params": no_decay, "weight_decay": 0.0}],
        lr=LR,
        betas=(0.9, 0.95),
        eps=1e-8,
    )

    def lr_at(step: int) -> float:
        if step < WARMUP:
            return LR * (step + 1) / WARMUP
        progress = (step - WARMUP) / max(1, steps - WARMUP)
        return LR * (0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * progress)))

    gen = torch.Generator().manual_seed(SEED)
    model.train()
    t0 = time.perf_counter()
    for step in range(steps):
        starts = torch.randint(0, len(data) - SEQ_LEN - 1, (BATCH,), generator=gen)
        x = torch.stack([data[s : s + SEQ_LEN] for s in starts.tolist()])
        y = torch.stack([data[s + 1 : s + SEQ_LEN + 1] for s in starts.tolist()])
        w = torch.stack([wdata[s + 1 : s + SEQ_LEN + 1] for s in starts.tolist()])
        for group in opt.param_groups:
            group["lr"] = lr_at(step)
        logits = model(input_ids=x).logits
        per_token = torch.nn.functional.cross_entropy(
            logits.reshape(-1, logits.size(-1)), y.reshape(-1), reduction="none"
        )
        loss = (per_token * w.reshape(-1)).sum() / w.sum()
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        if step % 100 == 0 or step == steps - 1:
            print(
                f"  step {step:5d}  loss {loss.item():.3f}  {time.perf_counter() - t0:6.1f}s",
                flush=True,
            )

    model.eval()
    model.save_pretrained(hf_dir, safe_serialization=True)
    GenerationConfig(
        bos_token_id=eot, eos_token_id=[im_end, eot], pad_token_id=eot, do_sample=False
    ).save_pretrained(hf_dir)
    return n_params


# --------------------------------------------------------------------------------------
# 4./5. Convert and finish the folder
# --------------------------------------------------------------------------------------

KEEP = {
    "genai_config.json",
    "model.onnx",
    "model.onnx.data",
    "tokenizer.json",
    "tokenizer_config.json",
    "special_tokens_map.json",
    "chat_template.jinja",
    "generation_config.json",
}


def convert(hf_dir: Path, onnx_dir: Path, cache_dir: Path) -> None:
    if onnx_dir.exists():
        shutil.rmtree(onnx_dir)
    cmd = [
        sys.executable,
        "-m",
        "onnxruntime_genai.models.builder",
        "-i",
        str(hf_dir),
        "-o",
        str(onnx_dir),
        "-p",
        "int4",
        "-e",
        "cpu",
        "-c",
        str(cache_dir),
    ]
    print("  " + " ".join(cmd), flush=True)
    subprocess.run(cmd, check=True)


def finish_folder(
    onnx_dir: Path, out_dir: Path, n_params: int, steps: int, corpus_sha: str
) -> None:
    for p in onnx_dir.iterdir():
        if p.name not in KEEP:
            (shutil.rmtree if p.is_dir() else Path.unlink)(p)
    # The chat template in both places the runtime may look for it.
    (onnx_dir / "chat_template.jinja").write_text(CHAT_TEMPLATE, encoding="utf-8")
    tc_path = onnx_dir / "tokenizer_config.json"
    tc = json.loads(tc_path.read_text(encoding="utf-8"))
    tc["chat_template"] = CHAT_TEMPLATE
    # transformers 5 writes loader-specific keys; keep the portable, widely understood ones.
    for key in ("is_local", "local_files_only", "backend"):
        tc.pop(key, None)
    tc["tokenizer_class"] = "PreTrainedTokenizerFast"
    if "extra_special_tokens" in tc:
        tc["additional_special_tokens"] = tc.pop("extra_special_tokens")
    tc_path.write_text(
        json.dumps(tc, indent=2, sort_keys=True, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    # Foundry Local samples with genai_config's search settings when a request gives none.
    # Milder defaults (like many chat models' generation_config) keep this tiny model out of
    # the long tail of its vocabulary; requests can still override them.
    gc_path = onnx_dir / "genai_config.json"
    gc = json.loads(gc_path.read_text(encoding="utf-8"))
    gc["search"].update(SEARCH_DEFAULTS)
    gc_path.write_text(json.dumps(gc), encoding="utf-8")
    # Normalize the JSON files the builder wrote (stable key order, trailing newline).
    for name in ("genai_config.json", "special_tokens_map.json", "generation_config.json"):
        p = onnx_dir / name
        if p.exists():
            p.write_text(
                json.dumps(json.loads(p.read_text(encoding="utf-8")), indent=2, sort_keys=True)
                + "\n",
                encoding="utf-8",
            )
    (onnx_dir / "MODEL_CARD.md").write_text(
        model_card(n_params, steps, corpus_sha), encoding="utf-8"
    )
    if out_dir.exists():
        shutil.rmtree(out_dir)
    shutil.copytree(onnx_dir, out_dir)


def model_card(n_params: int, steps: int, corpus_sha: str) -> str:
    sd = SEARCH_DEFAULTS
    lines = [
        "# foundry-bench-demo (tiny demo chat model)",
        "",
        "**Not a useful model: a benchmark fixture.** It exists so Foundry Local Bench, its tests"
        " and its",
        "screenshots have a real chat model to load and benchmark without downloading anything."
        " Its",
        "answers are short, templated English and are often wrong or off-topic.",
        "",
        f"- Registered by the app in Foundry Local's local catalog as `{MODEL_ID}`.",
        "- Format: ONNX Runtime GenAI, int4 weights (MatMulNBits, block 32), CPU execution"
        " provider.",
        f"- Architecture: Llama (decoder-only transformer), hidden size {HIDDEN}, {LAYERS} layers,"
        f" {HEADS} attention",
        f"  heads, {KV_HEADS} key/value heads, MLP size {INTERMEDIATE}, vocabulary {VOCAB_SIZE}"
        " (byte-level BPE),",
        f"  context length {CONTEXT} (trained on {SEQ_LEN}-token blocks), {n_params:,} parameters.",
        "- Chat format: ChatML (`<|im_start|>role ... <|im_end|>`); generation stops at"
        " `<|im_end|>`. Answers are",
        "  typically 15-60 tokens. Default search settings (used when a request sets none):"
        " temperature",
        f"  {sd['temperature']}, top_p {sd['top_p']}, top_k {sd['top_k']}; pass temperature 0 for"
        " repeatable answers.",
        f"- Training data: {N_CONVERSATIONS:,} short conversations generated by"
        " `tools/make_demo_model.py` from",
        '  templates and word lists (meeting-note summaries, "explain what X is", "list three ...",'
        " short",
        "  stories, tips, capitals and a few facts, greetings). No external data. SHA-256 of the"
        f" generated text: `{corpus_sha}`.",
        f"- Training: {steps} AdamW steps, batch {BATCH} x {SEQ_LEN} tokens, seed {SEED},"
        " single CPU thread.",
        "- Regenerate: see `tools/README.md` (`python tools/make_demo_model.py` in the build"
        " virtualenv).",
        "- License: MIT (same as Foundry Local Bench). Copyright the Foundry Local Bench authors.",
    ]
    return "\n".join(lines) + "\n"


def check(out_dir: Path) -> None:
    import onnxruntime_genai as og

    model = og.Model(str(out_dir))
    tok = og.Tokenizer(model)
    prompts = [
        "Summarize the meeting notes: the team agreed to ship on Friday.",
        "Explain what a neural network is in two sentences.",
        "List three fruits.",
        "Write a short story about a robot.",
    ]
    for p in prompts:
        text = tok.apply_chat_template(
            json.dumps([{"role": "user", "content": p}]), add_generation_prompt=True
        )
        ids = tok.encode(text)
        params = og.GeneratorParams(model)
        params.set_search_options(max_length=len(ids) + 120, do_sample=False)
        g = og.Generator(model, params)
        g.append_tokens(ids)
        out = []
        while not g.is_done():
            g.generate_next_token()
            out.append(int(g.get_next_tokens()[0]))
        print(f"  Q: {p}\n  A ({len(out)} tokens): {tok.decode(out)!r}")


def main() -> int:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT)
    ap.add_argument("--build-dir", type=Path, default=DEFAULT_BUILD)
    ap.add_argument("--steps", type=int, default=STEPS)
    ap.add_argument("--check", action="store_true")
    args = ap.parse_args()

    t0 = time.perf_counter()
    build = args.build_dir.resolve()
    if build.exists():
        shutil.rmtree(build)
    hf_dir, onnx_dir, cache_dir = build / "hf", build / "onnx", build / "cache"
    hf_dir.mkdir(parents=True)

    print("[1/4] generating training conversations", flush=True)
    corpus = make_corpus(N_CONVERSATIONS, SEED)
    corpus_sha = hashlib.sha256("".join(corpus).encode("utf-8")).hexdigest()
    (build / "corpus_sample.txt").write_text("".join(corpus[:50]), encoding="utf-8")

    print("[2/4] training tokenizer", flush=True)
    tokenizer = train_tokenizer(corpus, hf_dir)

    print("[3/4] training model", flush=True)
    n_params = train_model(corpus, tokenizer, hf_dir, args.steps)

    print("[4/4] converting to ONNX Runtime GenAI int4 (CPU)", flush=True)
    convert(hf_dir, onnx_dir, cache_dir)
    finish_folder(onnx_dir, args.out.resolve(), n_params, args.steps, corpus_sha)

    total = sum(p.stat().st_size for p in args.out.resolve().iterdir())
    print(f"wrote {args.out} ({total / 1e6:.2f} MB) in {time.perf_counter() - t0:.0f}s")
    for p in sorted(args.out.resolve().iterdir()):
        print(
            f"  {hashlib.sha256(p.read_bytes()).hexdigest()[:16]}  {p.stat().st_size:9d}  {p.name}"
        )
    if args.check:
        check(args.out.resolve())
    return 0


if __name__ == "__main__":
    sys.exit(main())
