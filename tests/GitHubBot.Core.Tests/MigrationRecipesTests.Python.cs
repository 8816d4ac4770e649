using GitHubBot.Core.CodeMigration;

namespace GitHubBot.Core.Tests;

public sealed partial class MigrationRecipesTests
{
    private const string PyProject = """
        [project]
        name = "svc"
        requires-python = ">=3.8"
        dependencies = [
            "requests>=2.25,<3",
            "Django[argon2]==3.2.0 ; python_version >= '3.8'",  # the web framework
            "django-extensions>=3.0",
        ]

        [project.optional-dependencies]
        dev = ['pytest>=7', "django>=3.2, <4"]

        [tool.poetry.dependencies]
        python = "^3.8"
        django = "^3.2"
        Django_Filter = "^2.0"

        [tool.poetry.group.dev.dependencies]
        django = { version = "~3.2", extras = ["bcrypt"] }

        """;

    [Fact]
    public void Pyproject_pep_621_and_poetry_dependencies_keep_their_operators()
    {
        var result = Bump("Django", "3.2", "4.2", ("pyproject.toml", PyProject));

        Assert.Equal(
            """
            [project]
            name = "svc"
            requires-python = ">=3.8"
            dependencies = [
                "requests>=2.25,<3",
                "Django[argon2]==4.2 ; python_version >= '3.8'",  # the web framework
                "django-extensions>=3.0",
            ]

            [project.optional-dependencies]
            dev = ['pytest>=7', "django>=4.2"]

            [tool.poetry.dependencies]
            python = "^3.8"
            django = "^4.2"
            Django_Filter = "^2.0"

            [tool.poetry.group.dev.dependencies]
            django = { version = "~4.2", extras = ["bcrypt"] }

            """,
            Edited(result, "pyproject.toml"));
        Assert.Equal(["==3.2.0", ">=3.2, <4", "^3.2", "~3.2"], result.Found.Select(f => f.Version));
        Assert.Equal(
        [
            "pyproject.toml: dropped the upper bound <4 of django; it would exclude 4.2.",
            "Python lock files (poetry.lock, uv.lock, pip-compile outputs) are not rewritten by the recipe; regenerate them after the bump.",
        ], result.Notes);
    }

    [Fact]
    public void Python_runtime_bumps_requires_python_poetry_python_and_the_version_file()
    {
        var result = Bump("python3", "3.8", "3.12", ("pyproject.toml", PyProject), (".python-version", "3.8.18\n"));

        var text = Edited(result, "pyproject.toml");
        Assert.Contains("requires-python = \">=3.12\"\n", text, StringComparison.Ordinal);
        Assert.Contains("python = \"^3.12\"\n", text, StringComparison.Ordinal);
        Assert.Contains("django = \"^3.2\"\n", text, StringComparison.Ordinal);
        Assert.Equal(PyProject.Length + 2, text.Length);
        Assert.Equal("3.12\n", Edited(result, ".python-version"));
        Assert.Equal(
        [
            new ManifestVersion(".python-version", "python", "3.8.18"),
            new ManifestVersion("pyproject.toml", "python", ">=3.8"),
            new ManifestVersion("pyproject.toml", "python", "^3.8"),
        ], result.Found);
    }

    [Fact]
    public void Requirements_keep_the_operator_and_drop_an_upper_bound_below_the_target()
    {
        const string requirements = """
            # web
            -r base.txt
            Django>=3.2,<4  # LTS
            django-extensions==3.1.0
            requests==2.31.0 \
                --hash=sha256:abc
            """;

        var django = Bump("django", "3.2", "4.2", ("requirements-dev.txt", requirements));
        Assert.Equal(requirements.Replace("Django>=3.2,<4  #", "Django>=4.2  #", StringComparison.Ordinal), Edited(django, "requirements-dev.txt"));
        Assert.Equal([new ManifestVersion("requirements-dev.txt", "Django", ">=3.2,<4")], django.Found);
        Assert.Equal("requirements-dev.txt: dropped the upper bound <4 of Django; it would exclude 4.2.", django.Notes[0]);

        var requests = Bump("requests", "2", "2.32.3", ("requirements/prod.txt", requirements));
        Assert.Contains("requests==2.32.3 \\\n", Edited(requests, "requirements/prod.txt"), StringComparison.Ordinal);
        Assert.Equal("requirements/prod.txt: the --hash pins of the bumped line belong to the old version; regenerate them (pip-compile --generate-hashes).", requests.Notes[0]);
    }

    [Theory]
    [InlineData("react", "react", MigrationRecipes.Framework, "react,react-dom,@types/react,@types/react-dom")]
    [InlineData("react-upgrade", "react", MigrationRecipes.Framework, "react,react-dom,@types/react,@types/react-dom")]
    [InlineData(" React ", "react", MigrationRecipes.Framework, "react,react-dom,@types/react,@types/react-dom")]
    [InlineData(".NET", "dotnet", MigrationRecipes.Runtime, "")]
    [InlineData("Node.js", "node", MigrationRecipes.Runtime, "@types/node")]
    [InlineData("python", "python", MigrationRecipes.Runtime, "")]
    [InlineData("Newtonsoft.Json", "Newtonsoft.Json", MigrationRecipes.Package, "Newtonsoft.Json")]
    [InlineData("@angular/core", "@angular/core", MigrationRecipes.Package, "@angular/core")]
    [InlineData("class components  to hooks", "class components to hooks", MigrationRecipes.FreeForm, "")]
    [InlineData("react;rm", "react;rm", MigrationRecipes.FreeForm, "")]
    public void Subject_normalises_the_type(string type, string expected, string kind, string packages)
    {
        var subject = MigrationRecipes.Subject(type);
        Assert.Equal(expected, subject.Type);
        Assert.Equal(kind, subject.Kind);
        Assert.Equal(packages, string.Join(',', subject.Packages));
    }

    [Fact]
    public void Subject_refuses_an_empty_or_long_type()
    {
        Assert.StartsWith("A migration needs a type", Assert.Throws<ArgumentException>(() => MigrationRecipes.Subject("")).Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => MigrationRecipes.Subject("   "));
        Assert.StartsWith("A migration type has at most 100 characters; this one has 101.", Assert.Throws<ArgumentException>(() => MigrationRecipes.Subject(new string('a', 101))).Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("package.json", true)]
    [InlineData("web/package.json", true)]
    [InlineData("src/App/App.csproj", true)]
    [InlineData("src/Lib/Lib.fsproj", true)]
    [InlineData("Directory.Packages.props", true)]
    [InlineData("Directory.Build.props", true)]
    [InlineData("global.json", true)]
    [InlineData("pyproject.toml", true)]
    [InlineData("requirements.txt", true)]
    [InlineData("requirements-dev.txt", true)]
    [InlineData("requirements/base.txt", true)]
    [InlineData(".nvmrc", true)]
    [InlineData("app/.node-version", true)]
    [InlineData("node_modules/react/package.json", false)]
    [InlineData("web/node_modules/react/package.json", false)]
    [InlineData("src/App/obj/App.csproj", false)]
    [InlineData("src/App/bin/Debug/global.json", false)]
    [InlineData(".git/package.json", false)]
    [InlineData("package-lock.json", false)]
    [InlineData("notes.txt", false)]
    [InlineData("", false)]
    public void IsManifest_knows_manifests_outside_build_and_vendor_folders(string path, bool expected) =>
        Assert.Equal(expected, MigrationRecipes.IsManifest(path));

    [Theory]
    [InlineData("react", "src/App.js", "import React from 'react';", true)]
    [InlineData("react", "src/main.ts", "const { createRoot } = require(\"react-dom/client\");", true)]
    [InlineData("react", "src/lazy.mjs", "const m = await import('react');", true)]
    [InlineData("react", "src/polyfill.js", "import 'react';", true)]
    [InlineData("react", "src/View.tsx", "export const x = 1;", true)]
    [InlineData("react", "src/a.js", "import reactive from 'reactive';", false)]
    [InlineData("react", "src/a.js", "import x from 'my-react';", false)]
    [InlineData("react", "src/a.ts", "import { Text } from 'react-native';", false)]
    [InlineData("react", "README.md", "import React from 'react';", false)]
    [InlineData("lodash", "src/a.js", "const fp = require('lodash/fp');", true)]
    [InlineData("lodash", "src/a.js", "const d = require('lodash.debounce');", false)]
    [InlineData("Newtonsoft.Json", "src/A.cs", "using System;\nusing Newtonsoft.Json;\n", true)]
    [InlineData("Newtonsoft.Json", "src/A.cs", "global using Newtonsoft.Json.Linq;", true)]
    [InlineData("Newtonsoft.Json", "src/A.cs", "using Newtonsoft.JsonExtensions;", false)]
    [InlineData("Newtonsoft.Json", "src/A.cs", "// Newtonsoft.Json is great", false)]
    [InlineData("Newtonsoft.Json", "src/A.fs", "open Newtonsoft.Json\n", true)]
    [InlineData("Newtonsoft.Json", "src/A.vb", "Imports Newtonsoft.Json.Linq\r\n", true)]
    [InlineData("requests", "app/main.py", "import os\nimport requests\n", true)]
    [InlineData("requests", "app/main.py", "from requests.adapters import HTTPAdapter", true)]
    [InlineData("requests", "app/main.py", "import os, requests as r", true)]
    [InlineData("requests", "app/main.py", "import requests_toolbelt", false)]
    [InlineData("django-extensions", "app/main.py", "from django_extensions.db import models", true)]
    [InlineData("dotnet", "src/A.cs", "using System;", false)]
    [InlineData("node", "src/a.js", "import fs from 'node:fs';", false)]
    public void References_finds_imports_not_substrings(string type, string path, string text, bool expected) =>
        Assert.Equal(expected, MigrationRecipes.References(MigrationRecipes.Subject(type), path, text));

    [Fact]
    public void KnownApiChanges_know_react_18_and_nothing_of_plain_packages()
    {
        var changes = MigrationRecipes.KnownApiChanges(ReactSubject, "16.14.0", "18.2.0");
        Assert.Equal(["ReactDOM.render(", "ReactDOM.hydrate(", "unmountComponentAtNode(", "findDOMNode(", "renderToNodeStream("], changes.Select(c => c.Old));
        Assert.StartsWith("createRoot(container).render(element)", changes[0].New, StringComparison.Ordinal);
        Assert.Equal(10, MigrationRecipes.KnownApiChanges(ReactSubject, "17", "19").Count);
        Assert.Empty(MigrationRecipes.KnownApiChanges(ReactSubject, "18", "18.3"));
        Assert.Empty(MigrationRecipes.KnownApiChanges(MigrationRecipes.Subject("lodash"), "3", "4"));
        Assert.Empty(MigrationRecipes.KnownApiChanges(MigrationRecipes.Subject("node"), "16", "20"));
    }

    [Theory]
    [InlineData("16.14.0", true)]
    [InlineData("18", true)]
    [InlineData("18.x", true)]
    [InlineData("v20", true)]
    [InlineData("net10.0", true)]
    [InlineData("2.0.0-rc.1+build.5", true)]
    [InlineData("1.0; rm -rf /", false)]
    [InlineData("../x", false)]
    [InlineData("\"1\"", false)]
    [InlineData("1 0", false)]
    [InlineData("latest", false)]
    [InlineData("", false)]
    [InlineData("1.0'", false)]
    public void IsVersion_accepts_plain_versions_only(string text, bool expected) =>
        Assert.Equal(expected, MigrationRecipes.IsVersion(text));

    [Fact]
    public void IsVersion_refuses_long_texts() =>
        Assert.False(MigrationRecipes.IsVersion("1." + new string('0', 63)));
}
