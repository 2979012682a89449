"""The use cases: one async function per thing a student or staff member does.

Cogs, checklist buttons, forms and DM buttons parse what Discord sent, call one action and
render its result; they never write to storage themselves. An action validates (raising
:class:`bot.errors.UserError` before anything is written), writes in one transaction, appends
its event (always the same kind, whoever calls it), re-plans the nudges that depend on what
changed, and returns a result for the caller to render. Actions take an
:class:`~bot.actions.context.ActionContext` and typed inputs, and import no ``discord``.
"""
